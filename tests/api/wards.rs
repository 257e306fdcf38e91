use serde_json::json;

use tech4all::auth::Role;

use crate::helpers::{TestApp, assert_problem, json_ok};

#[actix_web::test]
async fn wards_carry_an_optional_bounded_deri_score() {
    let app = TestApp::spawn().await;
    let admin = app.admin().await;
    let ward = json_ok(
        app.post_json("/api/v1/wards", Some(&admin.token), &json!({"name": "Old Trafford", "deri_score": 4.8})).await,
    )
    .await;
    assert_eq!(ward["deri_score"], 4.8);
    let unscored = json_ok(app.post_json("/api/v1/wards", Some(&admin.token), &json!({"name": "Hale"})).await).await;
    assert_eq!(unscored["deri_score"], serde_json::Value::Null);
    let bad = app.post_json("/api/v1/wards", Some(&admin.token), &json!({"name": "Sale", "deri_score": 11})).await;
    assert_problem(app.post_json("/api/v1/wards", Some(&admin.token), &json!({"name": "   "})).await, 422).await;
    assert_eq!(assert_problem(bad, 422).await["errors"][0]["field"], "deri_score");
    assert_problem(app.post_json("/api/v1/wards", Some(&admin.token), &json!({"name": "old trafford"})).await, 409)
        .await;

    let path = format!("/api/v1/wards/{}", ward["id"].as_str().expect("id"));
    let patched =
        json_ok(app.patch_json(&path, Some(&admin.token), Some("\"1\""), &json!({"deri_score": null})).await).await;
    assert_eq!(patched["deri_score"], serde_json::Value::Null);
    assert_eq!(patched["version"], 2);

    let reporter = app.user(Role::Reporter).await;
    let list = json_ok(app.get("/api/v1/wards?q=trafford", Some(&reporter.token)).await).await;
    assert_eq!(list["items"].as_array().map(Vec::len), Some(1));
    assert_problem(app.post_json("/api/v1/wards", Some(&reporter.token), &json!({"name": "Nope"})).await, 403).await;
}

#[actix_web::test]
async fn a_hub_can_only_point_at_a_ward_that_exists() {
    let app = TestApp::spawn().await;
    let admin = app.admin().await;
    let ward = json_ok(app.post_json("/api/v1/wards", Some(&admin.token), &json!({"name": "Urmston"})).await).await;
    let hub = json_ok(
        app.post_json(
            "/api/v1/hubs",
            Some(&admin.token),
            &json!({"name": "Urmston Library", "kind": "library", "ward_id": ward["id"]}),
        )
        .await,
    )
    .await;
    assert_eq!(hub["ward_id"], ward["id"]);
    let filtered = json_ok(
        app.get(&format!("/api/v1/hubs?ward_id={}", ward["id"].as_str().expect("id")), Some(&admin.token)).await,
    )
    .await;
    assert_eq!(filtered["items"].as_array().map(Vec::len), Some(1));
}
