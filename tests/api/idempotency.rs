//! Safe retries: Idempotency-Key on POSTs.

use diesel::prelude::*;
use serde_json::json;

use crate::helpers::{TestApp, assert_problem, json_ok};

async fn post_with_key(app: &TestApp, token: &str, key: &str, body: &serde_json::Value) -> reqwest::Response {
    app.request(reqwest::Method::POST, "/api/v1/hubs", Some(token))
        .header("idempotency-key", key)
        .json(body)
        .send()
        .await
        .expect("sent")
}

fn hub_count(app: &TestApp) -> i64 {
    use tech4all::db::schema::hubs;
    hubs::table.count().get_result(&mut app.conn()).expect("counts")
}

#[actix_web::test]
async fn a_retry_with_the_same_key_replays_the_first_response_without_redoing_the_work() {
    let app = TestApp::spawn().await;
    let admin = app.admin().await;
    let body = json!({"name": "Partington Hub", "kind": "community_centre"});
    let first = post_with_key(&app, &admin.token, "create-partington-1", &body).await;
    assert_eq!(first.status(), 201);
    let location = first.headers()["location"].clone();
    let first = json_ok(first).await;
    let before = hub_count(&app);

    let again = post_with_key(&app, &admin.token, "create-partington-1", &body).await;
    assert_eq!(again.status(), 201);
    assert_eq!(again.headers()["idempotent-replayed"], "true");
    assert_eq!(again.headers()["location"], location);
    assert_eq!(json_ok(again).await, first, "the same body, byte for byte");
    assert_eq!(hub_count(&app), before, "no second hub");
}

#[actix_web::test]
async fn the_same_key_with_a_different_request_is_a_422() {
    let app = TestApp::spawn().await;
    let admin = app.admin().await;
    post_with_key(&app, &admin.token, "k-1", &json!({"name": "Hub A", "kind": "library"})).await;
    let problem = assert_problem(
        post_with_key(&app, &admin.token, "k-1", &json!({"name": "Hub B", "kind": "library"})).await,
        422,
    )
    .await;
    assert_eq!(problem["type"], "/problems/idempotency-key-reused");
}

#[actix_web::test]
async fn a_retry_while_the_first_request_is_still_running_is_a_409() {
    let app = TestApp::spawn().await;
    let admin = app.admin().await;
    let body = json!({"name": "Slow hub", "kind": "library"});
    // The first request is still being worked on: its key is claimed but has no response yet.
    let first = post_with_key(&app, &admin.token, "slow-1", &body).await;
    assert_eq!(first.status(), 201);
    {
        use tech4all::db::schema::idempotency_keys as keys;
        diesel::update(keys::table.filter(keys::key.eq("slow-1")))
            .set((keys::status.eq(None::<i32>), keys::completed_at.eq(None::<chrono::DateTime<chrono::Utc>>)))
            .execute(&mut app.conn())
            .expect("marks running");
    }
    let response = post_with_key(&app, &admin.token, "slow-1", &body).await;
    assert!(response.headers().get("retry-after").is_some());
    let problem = assert_problem(response, 409).await;
    assert_eq!(problem["type"], "/problems/idempotency-in-progress");
}

#[actix_web::test]
async fn concurrent_requests_with_one_key_do_the_work_once() {
    let app = TestApp::spawn().await;
    let admin = app.admin().await;
    let before = hub_count(&app);
    let body = json!({"name": "Concurrent hub", "kind": "library"});
    let attempts = (0..10).map(|_| post_with_key(&app, &admin.token, "same-key", &body));
    let statuses: Vec<u16> = futures::future::join_all(attempts).await.iter().map(|r| r.status().as_u16()).collect();
    assert!(statuses.iter().all(|s| *s == 201 || *s == 409), "{statuses:?}");
    assert!(statuses.contains(&201));
    assert_eq!(hub_count(&app), before + 1, "exactly one hub, whatever the timing");
}

#[actix_web::test]
async fn keys_belong_to_their_caller() {
    let app = TestApp::spawn().await;
    let one = app.admin().await;
    let two = app.admin().await;
    let body = json!({"name": "Shared key hub", "kind": "library"});
    assert_eq!(post_with_key(&app, &one.token, "shared", &body).await.status(), 201);
    // Another caller's identical key is a different key: their request runs (and meets the name rule).
    assert_problem(post_with_key(&app, &two.token, "shared", &body).await, 409).await;
    let problem = assert_problem(post_with_key(&app, &two.token, "bad key with spaces", &body).await, 422).await;
    assert_eq!(problem["errors"][0]["field"], "Idempotency-Key");
}
