//! `/openapi.json`: a valid OpenAPI 3.1 description that lists every API route, built
//! from the handlers' own types, so what it says is what the server answers.

use std::collections::BTreeSet;

use serde_json::{Value, json};

use crate::helpers::{json_body, message, spawn_app};

async fn description(app: &crate::helpers::TestApp) -> Value {
    // No token needed: tools fetch it before they have one.
    let response = app
        .client
        .get(app.url("/openapi.json"))
        .send()
        .await
        .expect("sent");
    json_body(response, 200).await
}

/// Every `$ref` in `value`, with where it stands.
fn refs(value: &Value, found: &mut Vec<String>) {
    match value {
        Value::Object(map) => {
            for (key, inner) in map {
                match (key.as_str(), inner) {
                    ("$ref", Value::String(target)) => found.push(target.clone()),
                    _ => refs(inner, found),
                }
            }
        }
        Value::Array(items) => items.iter().for_each(|i| refs(i, found)),
        _ => {}
    }
}

#[tokio::test]
async fn the_description_is_valid_openapi_3_1_and_every_reference_resolves() {
    let app = spawn_app().await;
    let doc = description(&app).await;
    let text = doc.to_string();
    let spec = oas3::from_json(&text).expect("an OpenAPI document oas3 can read");
    let version = spec.validate_version().expect("a supported version");
    assert_eq!((version.major, version.minor), (3, 1), "{version}");

    let mut targets = Vec::new();
    refs(&doc, &mut targets);
    assert!(!targets.is_empty());
    for target in targets {
        let pointer = target
            .strip_prefix('#')
            .unwrap_or_else(|| panic!("an external reference: {target}"));
        assert!(doc.pointer(pointer).is_some(), "{target} does not resolve");
    }

    let mut ids = BTreeSet::new();
    for (path, method, operation) in spec.operations() {
        let id = operation.operation_id.clone().expect("an operationId");
        assert!(ids.insert(id.clone()), "operationId {id} twice");
        assert!(!operation.responses(&spec).is_empty(), "{method} {path}");
        // Every path template parameter is declared.
        for name in path
            .split('/')
            .filter_map(|s| s.strip_prefix('{')?.strip_suffix('}'))
        {
            let declared = operation
                .parameters
                .iter()
                .filter_map(|p| p.resolve(&spec).ok())
                .any(|p| p.name == name);
            assert!(declared, "{method} {path}: {{{name}}} is not declared");
        }
    }
    assert!(
        doc["components"]["securitySchemes"]["token"]["scheme"] == "bearer",
        "{}",
        doc["components"]
    );
}

/// Every API route is in the description, and every described operation is routed,
/// with and without its trailing slash and, for the contract, under `/t/{token}/`.
#[tokio::test]
async fn every_api_route_is_described_and_every_described_route_answers() {
    let app = spawn_app().await;
    let doc = description(&app).await;
    let described: BTreeSet<(String, String)> = doc["paths"]
        .as_object()
        .expect("paths")
        .iter()
        .flat_map(|(path, item)| {
            item.as_object()
                .expect("a path item")
                .keys()
                .map(move |method| (method.to_uppercase(), path.clone()))
        })
        .collect();
    let expected: BTreeSet<(String, String)> = [
        ("POST", "/send-messages/"),
        ("POST", "/process-feedback/"),
        ("POST", "/reject-draft/"),
        ("POST", "/approve-draft/"),
        ("GET", "/draft-messages/"),
        ("GET", "/jobs/{id}"),
        ("GET", "/healthz"),
        ("GET", "/openapi.json"),
    ]
    .iter()
    .map(|(m, p)| (m.to_string(), p.to_string()))
    .collect();
    assert_eq!(described, expected);
    // Every address the server treats as API has a described route.
    for segment in draftdesk::api::API_SEGMENTS.iter().filter(|s| **s != "t") {
        assert!(
            described
                .iter()
                .any(|(_, p)| p.starts_with(&format!("/{segment}"))),
            "/{segment} is API but not described"
        );
    }

    for (method, path) in &described {
        let concrete = path.replace("{id}", "1");
        let bare = concrete.trim_end_matches('/').to_owned();
        let slashed = format!("{bare}/");
        let mut variants = vec![bare.clone(), slashed];
        if !matches!(path.as_str(), "/healthz" | "/openapi.json") {
            variants.push(format!("/t/{}{bare}", app.token));
        }
        for variant in variants {
            let request = match method.as_str() {
                "GET" => app.client.get(app.url(&variant)),
                _ => app.client.post(app.url(&variant)).json(&json!({})),
            };
            let response = request.bearer_auth(&app.token).send().await.expect("sent");
            let status = response.status().as_u16();
            let body = response.text().await.unwrap_or_default();
            assert!(
                status != 405 && !body.contains("nothing at this address"),
                "{method} {variant} is described but not routed: {status} {body}"
            );
        }
    }
}

/// The fields an answer carries are the fields the description gives its schema.
fn assert_matches_schema(doc: &Value, schema_name: &str, value: &Value) {
    let schema = &doc["components"]["schemas"][schema_name];
    let properties = schema["properties"]
        .as_object()
        .unwrap_or_else(|| panic!("no schema {schema_name}"));
    let object = value.as_object().expect("an object");
    for key in object.keys() {
        assert!(
            properties.contains_key(key),
            "{schema_name} answers `{key}`, which the description does not list"
        );
    }
    for required in schema["required"].as_array().into_iter().flatten() {
        let key = required.as_str().expect("a name");
        assert!(
            object.contains_key(key),
            "{schema_name} lacks required `{key}`: {value}"
        );
    }
}

#[tokio::test]
async fn answers_have_the_shape_the_description_gives() {
    let app = spawn_app().await;
    let doc = description(&app).await;
    let sent = json_body(
        app.send_messages("Jo", json!([message("o1", "Jo", "Tuesday?")]))
            .await,
        202,
    )
    .await;
    assert_matches_schema(&doc, "SendMessagesResponse", &sent);
    let job = json_body(app.job(&sent["job_id"]).await, 200).await;
    assert_matches_schema(&doc, "Job", &job);
    app.insert_draft("anna", "Jo", "Tuesday works.").await;
    let list = json_body(app.draft_messages().await, 200).await;
    assert_matches_schema(&doc, "DraftList", &list);
    assert_matches_schema(&doc, "DraftMessage", &list["draft_messages"][0]);
    let error = json_body(app.get("/jobs/999").await, 404).await;
    assert_matches_schema(&doc, "ErrorBody", &error);
    assert_matches_schema(&doc, "ErrorDetail", &error["error"]);
    let health = json_body(app.get("/healthz").await, 200).await;
    assert_matches_schema(&doc, "Health", &health);
}

#[tokio::test]
async fn the_settings_page_links_the_description() {
    let app = spawn_app().await;
    let browser = crate::pages::signed_in(&app, "anna").await;
    let page = browser.page("/settings").await;
    assert!(
        page.contains(r#"href="/openapi.json""#),
        "no link in settings"
    );
}
