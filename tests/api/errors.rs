//! Every error shape of the API: malformed bodies, wrong types, unknown and missing fields,
//! unknown routes, wrong methods, oversized bodies, wrong media types.

use reqwest::Method;
use serde_json::json;

use crate::helpers::{TestApp, assert_problem};

#[actix_web::test]
async fn malformed_json_is_a_400() {
    let app = TestApp::spawn().await;
    let admin = app.admin().await;
    let response = app
        .request(Method::POST, "/api/v1/hubs", Some(&admin.token))
        .header("content-type", "application/json")
        .body("{\"name\": ")
        .send()
        .await
        .expect("sent");
    let body = assert_problem(response, 400).await;
    assert_eq!(body["type"], "/problems/malformed-body");
}

#[actix_web::test]
async fn wrong_types_missing_and_unknown_fields_are_422_naming_each_field() {
    let app = TestApp::spawn().await;
    let admin = app.admin().await;
    let cases = [
        (json!({"name": 5, "kind": "library"}), "name"),
        (json!({"kind": "library"}), "name"),
        (json!({"name": "X", "kind": "library", "colour": "red"}), "colour"),
        (json!({"name": "X", "kind": "castle"}), "kind"),
        (json!({"name": "X", "kind": "library", "ward_id": "not-a-uuid"}), "ward_id"),
        (json!("not an object"), "body"),
    ];
    for (body, field) in cases {
        let response = app.post_json("/api/v1/hubs", Some(&admin.token), &body).await;
        let problem = assert_problem(response, 422).await;
        assert_eq!(problem["errors"][0]["field"], field, "for {body}");
        assert!(problem["errors"][0]["message"].as_str().is_some_and(|m| !m.is_empty()));
    }
}

#[actix_web::test]
async fn domain_validation_lists_every_bad_field() {
    let app = TestApp::spawn().await;
    let admin = app.admin().await;
    let response = app
        .post_json("/api/v1/hubs", Some(&admin.token), &json!({"name": "  ", "kind": "library", "postcode": "nope"}))
        .await;
    let problem = assert_problem(response, 422).await;
    let fields: Vec<&str> =
        problem["errors"].as_array().expect("errors").iter().filter_map(|e| e["field"].as_str()).collect();
    assert_eq!(fields, ["name", "postcode"]);
}

#[actix_web::test]
async fn unknown_routes_are_404_and_wrong_methods_are_405_with_allow() {
    let app = TestApp::spawn().await;
    assert_problem(app.get("/api/v1/nothing-here", None).await, 404).await;
    let response = app.request(Method::DELETE, "/api/v1/hubs", None).send().await.expect("sent");
    assert_eq!(response.headers()["allow"], "GET, POST");
    assert_problem(response, 405).await;
}

#[actix_web::test]
async fn a_body_over_the_limit_is_a_413() {
    let app = TestApp::spawn_with(|s| s.json_limit_bytes = 2048).await;
    let admin = app.admin().await;
    let big = json!({"name": "x".repeat(4096), "kind": "library"});
    assert_problem(app.post_json("/api/v1/hubs", Some(&admin.token), &big).await, 413).await;
}

#[actix_web::test]
async fn a_body_that_is_not_json_is_a_415() {
    let app = TestApp::spawn().await;
    let admin = app.admin().await;
    let response = app
        .request(Method::POST, "/api/v1/hubs", Some(&admin.token))
        .header("content-type", "text/plain")
        .body("name=x")
        .send()
        .await
        .expect("sent");
    assert_problem(response, 415).await;
}

#[actix_web::test]
async fn a_malformed_id_in_the_path_is_a_404_and_a_bad_query_a_400() {
    let app = TestApp::spawn().await;
    let admin = app.admin().await;
    assert_problem(app.get("/api/v1/hubs/not-a-uuid", Some(&admin.token)).await, 404).await;
    let body = assert_problem(app.get("/api/v1/hubs?limit=lots", Some(&admin.token)).await, 400).await;
    assert_eq!(body["errors"][0]["field"], "limit");
    let body = assert_problem(app.get("/api/v1/hubs?limit=0", Some(&admin.token)).await, 400).await;
    assert_eq!(body["errors"][0]["field"], "limit");
    let body = assert_problem(app.get("/api/v1/hubs?colour=red", Some(&admin.token)).await, 400).await;
    assert_eq!(body["errors"][0]["field"], "colour");
    assert_problem(app.get("/api/v1/hubs?cursor=zzz", Some(&admin.token)).await, 400).await;
}

#[actix_web::test]
async fn no_error_body_reveals_sql_or_internals() {
    let app = TestApp::spawn().await;
    let admin = app.admin().await;
    let missing_ward = uuid::Uuid::now_v7();
    let response = app
        .post_json(
            "/api/v1/hubs",
            Some(&admin.token),
            &json!({"name": "Hub", "kind": "library", "ward_id": missing_ward}),
        )
        .await;
    // A body naming a record that does not exist is a 422 naming the field (404 is the URL's).
    let body = assert_problem(response, 422).await;
    assert_eq!(body["errors"][0]["field"], "ward_id");
    let text = body.to_string().to_lowercase();
    for leak in ["select", "insert", "violates", "constraint \"", "diesel", "postgres"] {
        assert!(!text.contains(leak), "{leak} leaked in {text}");
    }
}

#[actix_web::test]
async fn text_with_a_nul_character_is_a_422_not_a_500() {
    let app = TestApp::spawn().await;
    let admin = app.admin().await;
    let response = app
        .post_json("/api/v1/hubs", Some(&admin.token), &json!({"name": "Sale\u{0}Library", "kind": "library"}))
        .await;
    assert_problem(response, 422).await;
    let login = app
        .post_json("/api/v1/auth/login", None, &json!({"email": "a\u{0}@x.org", "password": "whatever it is"}))
        .await;
    assert!(login.status().is_client_error(), "got {}", login.status());
    assert!(app.get("/api/v1/hubs?q=%00", Some(&admin.token)).await.status().is_client_error());
}
