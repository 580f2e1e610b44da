//! The findings of the outside security review (issue 13), one test each, over HTTP.
//! `documentation/security.md` lists which test proves which defence.

use std::time::{Duration, Instant};

use reqwest::StatusCode;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

use crate::helpers::{TestApp, json_body, spawn_app, spawn_app_with, spawn_app_without_users};
use crate::pages::{Browser, csrf, location, signed_in};

const PASSWORD: &str = "correct horse battery";

/// A sign-in attempt from a client of its own, optionally through a proxy that names
/// the client in X-Forwarded-For; its status and where it redirects.
async fn attempt(
    app: &TestApp,
    name: &str,
    password: &str,
    forwarded_for: Option<&str>,
) -> (StatusCode, String) {
    attempt_to(app, name, password, "/", forwarded_for).await
}

async fn attempt_to(
    app: &TestApp,
    name: &str,
    password: &str,
    next: &str,
    forwarded_for: Option<&str>,
) -> (StatusCode, String) {
    let browser = Browser::new(app);
    let html = browser.page("/login").await;
    let mut request = browser.client.post(app.url("/login")).form(&[
        ("csrf", csrf(&html).as_str()),
        ("name", name),
        ("password", password),
        ("next", next),
    ]);
    if let Some(client) = forwarded_for {
        request = request.header("x-forwarded-for", client);
    }
    let response = request.send().await.expect("sent");
    (response.status(), location(&response))
}

async fn add_with_password(app: &TestApp, name: &str) {
    draftdesk::accounts::add_user(&app.db, name, None, Some(PASSWORD))
        .await
        .expect("user");
}

#[tokio::test]
async fn sign_in_failures_count_per_account_and_a_success_clears_only_that_account() {
    let app = spawn_app().await;
    signed_in(&app, "anna").await;
    add_with_password(&app, "bob").await;
    // Anna guesses at Bob's password, signing into her own account between guesses.
    for _ in 0..4 {
        assert_eq!(attempt(&app, "bob", "guess", None).await.0, 422);
    }
    assert_eq!(attempt(&app, "anna", PASSWORD, None).await.0, 303);
    assert_eq!(
        attempt(&app, "bob", "guess", None).await.0,
        422,
        "the fifth guess"
    );
    assert_eq!(
        attempt(&app, "bob", "guess", None).await.0,
        429,
        "her own sign-in did not clear Bob's failures"
    );
    assert_eq!(
        attempt(&app, " BOB ", PASSWORD, None).await.0,
        429,
        "Bob waits"
    );
    // Bob's failures do not lock out the other accounts behind the same address.
    assert_eq!(attempt(&app, "anna", PASSWORD, None).await.0, 303);
}

#[tokio::test]
async fn one_address_is_limited_across_names_and_forwarded_for_counts_only_from_a_trusted_proxy() {
    // Behind a trusted proxy, each client is counted apart.
    let app = spawn_app_with(|config| {
        config.trusted_proxies = "127.0.0.1".parse().expect("valid");
    })
    .await;
    signed_in(&app, "anna").await;
    let mallory = Some("203.0.113.66");
    for i in 0..20 {
        let status = attempt(&app, &format!("name{i}"), "guess", mallory).await.0;
        assert_eq!(status, 422, "failure {i} across names");
    }
    assert_eq!(
        attempt(&app, "anna", PASSWORD, mallory).await.0,
        429,
        "the address waits"
    );
    assert_eq!(
        attempt(&app, "anna", PASSWORD, Some("198.51.100.7"))
            .await
            .0,
        303,
        "another client behind the same proxy signs in"
    );

    // Without a trusted proxy, X-Forwarded-For is the client's own claim and is ignored.
    let app = spawn_app().await;
    signed_in(&app, "anna").await;
    for i in 0..20 {
        let claimed = format!("203.0.113.{i}");
        let status = attempt(&app, &format!("name{i}"), "guess", Some(&claimed))
            .await
            .0;
        assert_eq!(status, 422, "failure {i}");
    }
    assert_eq!(
        attempt(&app, "anna", PASSWORD, Some("198.51.100.7"))
            .await
            .0,
        429,
        "a forged X-Forwarded-For does not make a new client"
    );
}

#[tokio::test]
async fn after_sign_in_only_local_paths_are_followed_and_none_gives_a_500() {
    let app = spawn_app().await;
    signed_in(&app, "anna").await;
    for (next, to) in [
        ("/threads/3", "/threads/3"),
        ("/?page=2", "/?page=2"),
        ("/\t/evil.example/path", "/"),
        ("/\n/evil.example", "/"),
        ("/\r/evil.example", "/"),
        ("/\x0b/evil.example", "/"),
        ("/ /evil.example", "/"),
        ("//evil.example/", "/"),
        ("/\\evil.example", "/"),
        ("\\\\evil.example", "/"),
        ("https://evil.example/", "/"),
        ("/caf\u{e9}", "/"),
        ("/\u{a0}/evil.example", "/"),
        ("", "/"),
    ] {
        let (status, location) = attempt_to(&app, "anna", PASSWORD, next, None).await;
        assert_eq!(
            (status.as_u16(), location.as_str()),
            (303, to),
            "next = {next:?}"
        );
    }
}

#[tokio::test]
async fn concurrent_setup_posts_create_exactly_one_account() {
    let app = spawn_app_without_users(|_| {}).await;
    let token = app.setup_token.clone().expect("a setup link");
    let mut forms = Vec::new();
    for i in 0..8 {
        let browser = Browser::new(&app);
        let html = browser.page(&format!("/setup?token={token}")).await;
        forms.push((browser, csrf(&html), format!("admin{i}")));
    }
    let posts = forms.iter().map(|(browser, csrf, name)| {
        let fields = [
            ("csrf", csrf.as_str()),
            ("token", token.as_str()),
            ("name", name.as_str()),
            ("display_name", name.as_str()),
            ("password", PASSWORD),
            ("password_again", PASSWORD),
        ];
        browser.client.post(app.url("/setup")).form(&fields).send()
    });
    let mut statuses = Vec::new();
    for response in futures_join(posts).await {
        statuses.push(response.expect("sent").status().as_u16());
    }
    statuses.sort_unstable();
    assert_eq!(
        app.count("SELECT count(*) FROM users").await,
        1,
        "{statuses:?}"
    );
    assert_eq!(statuses, [303, 404, 404, 404, 404, 404, 404, 404]);
}

/// Runs the futures at once (the test crate has no futures dependency).
async fn futures_join<F>(futures: impl Iterator<Item = F>) -> Vec<F::Output>
where
    F: std::future::Future + Send + 'static,
    F::Output: Send + 'static,
{
    let handles: Vec<_> = futures.map(tokio::spawn).collect();
    let mut outputs = Vec::new();
    for handle in handles {
        outputs.push(handle.await.expect("joined"));
    }
    outputs
}

#[tokio::test]
async fn the_sign_in_page_stores_no_session_until_someone_signs_in() {
    let app = spawn_app().await;
    for _ in 0..50 {
        let response = app
            .client
            .get(app.url("/login"))
            .send()
            .await
            .expect("sent");
        assert_eq!(response.status(), 200);
    }
    for _ in 0..2 {
        assert_eq!(attempt(&app, "nobody", "guess", None).await.0, 422);
    }
    let sessions = crate::database::per_backend(
        "SELECT count(*) FROM tower_sessions",
        "SELECT count(*) FROM tower_sessions.session",
    );
    assert_eq!(
        app.count(sessions).await,
        0,
        "anonymous visits stored sessions"
    );
    signed_in(&app, "anna").await;
    assert_eq!(app.count(sessions).await, 1);
}

#[tokio::test]
async fn signing_in_renews_the_csrf_token() {
    let app = spawn_app().await;
    let browser = signed_in(&app, "anna").await;
    let before = csrf(&browser.page("/").await);
    let response = browser
        .submit(
            "/login",
            "/login",
            &[("name", "anna"), ("password", PASSWORD), ("next", "/")],
        )
        .await;
    assert_eq!(response.status(), 303);
    let after = csrf(&browser.page("/").await);
    assert_ne!(before, after, "the token outlived the sign-in");
    let stale = browser.post("/logout", &[("csrf", &before)]).await;
    assert_eq!(stale.status(), 403);
}

/// The quickest of several timed sign-ins: noise on a busy machine only adds time.
async fn quickest_refusal(app: &TestApp, name: &str) -> Duration {
    let browser = Browser::new(app);
    let token = csrf(&browser.page("/login").await);
    let mut quickest = Duration::MAX;
    for _ in 0..6 {
        let started = Instant::now();
        let response = browser
            .post(
                "/login",
                &[
                    ("csrf", &token),
                    ("name", name),
                    ("password", "wrong password"),
                ],
            )
            .await;
        let took = started.elapsed();
        assert_eq!(response.status(), 422);
        quickest = quickest.min(took);
    }
    quickest
}

#[tokio::test]
async fn an_account_without_a_password_is_refused_as_slowly_as_one_with_a_password() {
    let app = spawn_app_with(|config| {
        config.login.per_account = 1_000;
        config.login.per_address = 1_000;
    })
    .await;
    // "anna" has no password (API tokens only); "bob" has one.
    add_with_password(&app, "bob").await;
    let mut without = Duration::MAX;
    let mut with = Duration::MAX;
    for _ in 0..2 {
        without = without.min(quickest_refusal(&app, "anna").await);
        with = with.min(quickest_refusal(&app, "bob").await);
    }
    // Both run one argon2 check; without the dummy check the first is several times faster.
    assert!(
        without * 3 >= with,
        "a password-less account answers in {without:?}, one with a password in {with:?}"
    );
}

#[tokio::test]
async fn a_client_that_never_finishes_its_headers_is_cut_off_and_others_are_served() {
    let app = spawn_app_with(|config| {
        config.server.header_read_timeout = Duration::from_secs(1);
        config.server.max_connections = 3;
    })
    .await;
    let address = app.address.trim_start_matches("http://").to_owned();
    let started = Instant::now();
    // As many slow clients as there are connections: half a request, and nothing at all.
    let mut slow = Vec::new();
    for i in 0..3 {
        let mut stream = TcpStream::connect(&address).await.expect("connected");
        if i > 0 {
            stream
                .write_all(b"GET /healthz HTTP/1.1\r\nHost: draftdesk\r\n")
                .await
                .expect("written");
        }
        slow.push(stream);
    }
    // A normal request still gets through once the slow ones are cut off.
    let response = tokio::time::timeout(Duration::from_secs(20), app.get("/healthz"))
        .await
        .expect("a normal request is served while slow clients wait");
    json_body(response, 200).await;
    for mut stream in slow {
        let mut rest = Vec::new();
        let read =
            tokio::time::timeout(Duration::from_secs(20), stream.read_to_end(&mut rest)).await;
        assert!(
            matches!(read, Ok(Ok(_)) | Ok(Err(_))),
            "a slow client was still connected after {:?}",
            started.elapsed()
        );
    }
    assert!(started.elapsed() < Duration::from_secs(20));
}
