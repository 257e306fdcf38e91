use crate::helpers::{TestApp, assert_problem};

#[actix_web::test]
async fn liveness_and_readiness_answer_200() {
    let app = TestApp::spawn().await;
    assert_eq!(app.get("/health/live", None).await.status(), 200);
    let ready = app.get("/health/ready", None).await;
    assert_eq!(ready.status(), 200);
    let body: serde_json::Value = ready.json().await.expect("json");
    assert_eq!(body["status"], "ready");
}

#[actix_web::test]
async fn readiness_is_503_when_the_database_cannot_be_reached() {
    let app = TestApp::spawn_with(|s| {
        s.pool_timeout = std::time::Duration::from_secs(1);
    })
    .await;
    // Hold every connection of a one-connection pool so the check cannot get one.
    let app2 = TestApp::spawn_with(|s| {
        s.pool_size = 1;
        s.pool_timeout = std::time::Duration::from_secs(1);
    })
    .await;
    let held = app2.pool.get().expect("takes the only connection");
    let response = app2.get("/health/ready", None).await;
    assert_eq!(response.headers().get("retry-after").and_then(|v| v.to_str().ok()), Some("2"));
    assert_problem(response, 503).await;
    drop(held);
    assert_eq!(app2.get("/health/ready", None).await.status(), 200, "recovers once a connection is free");
    assert_eq!(app.get("/health/ready", None).await.status(), 200);
}

#[actix_web::test]
async fn metrics_count_requests_by_route_and_report_the_pool() {
    let app = TestApp::spawn().await;
    app.get("/health/live", None).await;
    app.get(&format!("/api/v1/devices/{}", uuid::Uuid::now_v7()), None).await;
    app.get("/no/such/route", None).await;
    let text = app.get("/metrics", None).await.text().await.expect("text");
    assert!(text.contains("http_requests_total{method=\"GET\",route=\"/health/live\",status=\"200\"}"), "{text}");
    // Labelled by the route's pattern, never by the id in the path; paths no route serves share one label.
    assert!(
        text.contains("http_requests_total{method=\"GET\",route=\"/api/v1/devices/{id}\",status=\"401\"}"),
        "{text}"
    );
    assert!(text.contains("http_requests_total{method=\"GET\",route=\"unmatched\",status=\"404\"}"), "{text}");
    assert!(text.contains("http_request_duration_seconds_bucket"));
    assert!(text.contains("db_pool_connections{state=\"in_use\"}"));
    assert!(text.contains("db_pool_connections{state=\"idle\"}"));
}

#[actix_web::test]
async fn a_request_id_is_echoed_or_generated_and_appears_in_problems() {
    let app = TestApp::spawn().await;
    let given = app.client.get(app.url("/health/live")).header("x-request-id", "abc-123").send().await.expect("sent");
    assert_eq!(given.headers()["x-request-id"], "abc-123");

    let generated = app.get("/no/such/route", None).await;
    let id = generated.headers()["x-request-id"].to_str().expect("ascii").to_owned();
    assert!(!id.is_empty());
    let body = assert_problem(generated, 404).await;
    assert_eq!(body["request_id"], id.as_str());

    let unsafe_id = app
        .client
        .get(app.url("/health/live"))
        .header("x-request-id", "has spaces and\ttabs")
        .send()
        .await
        .expect("sent");
    assert_ne!(unsafe_id.headers()["x-request-id"], "has spaces and\ttabs");
}

#[actix_web::test]
async fn the_contract_is_served() {
    let app = TestApp::spawn().await;
    let response = app.get("/api/v1/openapi.yaml", None).await;
    assert_eq!(response.status(), 200);
    let text = response.text().await.expect("text");
    assert!(text.starts_with("openapi: 3.1"));
}
