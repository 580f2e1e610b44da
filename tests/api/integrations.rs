//! The requests in `documentation/integrations.md` work as written: every ```http block
//! is sent, in order, to a fresh server, and must succeed.

use crate::helpers::spawn_app;

/// One request as the document writes it.
struct Example {
    method: String,
    path: String,
    headers: Vec<(String, String)>,
    body: String,
}

fn examples(markdown: &str) -> Vec<Example> {
    let mut found = Vec::new();
    let mut rest = markdown;
    while let Some(start) = rest.find("```http\n") {
        let block = &rest[start + "```http\n".len()..];
        let end = block.find("\n```").expect("a closed block");
        let (head, body) = block[..end]
            .split_once("\n\n")
            .unwrap_or((&block[..end], ""));
        let mut lines = head.lines();
        let (method, path) = lines
            .next()
            .and_then(|l| l.split_once(' '))
            .expect("METHOD /path");
        let headers = lines
            .map(|l| {
                let (name, value) = l.split_once(':').expect("Name: value");
                (name.trim().to_owned(), value.trim().to_owned())
            })
            .collect();
        found.push(Example {
            method: method.to_owned(),
            path: path.to_owned(),
            headers,
            body: body.to_owned(),
        });
        rest = &block[end..];
    }
    found
}

#[tokio::test]
async fn the_documented_requests_work_as_written() {
    let app = spawn_app().await;
    assert_eq!(
        app.user, "anna",
        "the document's examples use the account anna"
    );
    let markdown = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/documentation/integrations.md"
    ))
    .expect("the document");
    let examples = examples(&markdown);
    assert!(examples.len() >= 5, "found {} examples", examples.len());
    for example in examples {
        let path = example.path.replace("YOUR_TOKEN", &app.token);
        let method = reqwest::Method::from_bytes(example.method.as_bytes()).expect("a method");
        let mut request = app.client.request(method, app.url(&path));
        for (name, value) in &example.headers {
            request = request.header(name, value.replace("YOUR_TOKEN", &app.token));
        }
        let response = request
            .body(example.body.clone())
            .send()
            .await
            .expect("sent");
        let status = response.status();
        let text = response.text().await.unwrap_or_default();
        assert!(
            status.is_success(),
            "{} {}: {status} {text}",
            example.method,
            example.path
        );
    }
    // What they sent is stored: three messages from the script, one from the form post,
    // three from the pasted conversation.
    assert_eq!(app.count("SELECT count(*) FROM messages").await, 7);
    assert_eq!(app.count("SELECT count(*) FROM threads").await, 3);
}
