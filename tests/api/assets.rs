//! The stylesheet and scripts under content-hashed URLs: what pages link, how long a browser
//! may keep them, and what an old or unknown name gets.

use reqwest::Response;
use reqwest::redirect::Policy;

use crate::helpers::spawn_app;

/// The `/static/…` URLs a page links, in order.
fn static_links(page: &str) -> Vec<String> {
    page.match_indices("\"/static/")
        .map(|(at, _)| page[at + 1..].chars().take_while(|c| *c != '"').collect())
        .collect()
}

fn header(response: &Response, name: &str) -> String {
    response
        .headers()
        .get(name)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned()
}

/// `app.<16 hex digits>.css` and the like.
fn is_hashed(url: &str, stem: &str, ext: &str) -> bool {
    url.strip_prefix(&format!("/static/{stem}."))
        .and_then(|rest| rest.strip_suffix(&format!(".{ext}")))
        .is_some_and(|hash| hash.len() == 16 && hash.bytes().all(|b| b.is_ascii_hexdigit()))
}

#[tokio::test]
async fn pages_link_the_stylesheet_and_scripts_under_hashed_urls() {
    let app = spawn_app().await;
    let page = app.get("/login").await.text().await.expect("a page");
    let links = static_links(&page);
    assert_eq!(links.len(), 3, "{links:?}");
    assert!(is_hashed(&links[0], "app", "css"), "{links:?}");
    assert!(is_hashed(&links[1], "live", "js"), "{links:?}");
    assert!(is_hashed(&links[2], "review", "js"), "{links:?}");
}

#[tokio::test]
async fn a_hashed_url_is_cached_for_a_year_as_immutable_with_its_content_type() {
    let app = spawn_app().await;
    let page = app.get("/login").await.text().await.expect("a page");
    let links = static_links(&page);
    for (url, plain, content_type) in [
        (&links[0], "/static/app.css", "text/css"),
        (&links[1], "/static/live.js", "text/javascript"),
        (&links[2], "/static/review.js", "text/javascript"),
    ] {
        let response = app.get(url).await;
        assert_eq!(response.status(), 200, "{url}");
        assert!(
            header(&response, "content-type").starts_with(content_type),
            "{url}"
        );
        assert_eq!(
            header(&response, "cache-control"),
            "public, max-age=31536000, immutable",
            "{url}"
        );
        let hashed_body = response.text().await.expect("a body");

        // The plain name still answers, the same file, with a short cache.
        let response = app.get(plain).await;
        assert_eq!(response.status(), 200, "{plain}");
        assert_eq!(header(&response, "cache-control"), "public, max-age=3600");
        assert_eq!(response.text().await.expect("a body"), hashed_body);
    }
}

#[tokio::test]
async fn an_old_hash_is_redirected_to_the_current_url_and_an_unknown_file_is_not_found() {
    let app = spawn_app().await;
    let page = app.get("/login").await.text().await.expect("a page");
    let current = static_links(&page)[0].clone();
    let client = reqwest::Client::builder()
        .redirect(Policy::none())
        .build()
        .expect("a client");

    let response = client
        .get(app.url("/static/app.0123456789abcdef.css"))
        .send()
        .await
        .expect("sent");
    assert_eq!(response.status(), 307);
    assert_eq!(header(&response, "location"), current);
    assert_eq!(
        header(&response, "cache-control"),
        "no-store",
        "the redirect must not stick to the old URL"
    );

    for unknown in [
        "/static/nope.0123456789abcdef.css",
        "/static/app.0123456789abcdef.js",
        "/static/app.not-a-hash.css",
        "/static/nope.css",
    ] {
        let response = client.get(app.url(unknown)).send().await.expect("sent");
        assert_eq!(response.status(), 404, "{unknown}");
    }
}
