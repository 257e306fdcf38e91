//! Hubs: the first resource slice, and the conventions every slice follows (pagination, ETags).

use std::collections::HashSet;

use serde_json::{Value, json};

use tech4all::auth::Role;

use crate::helpers::{TestApp, assert_problem, json_ok};

async fn create_hub(app: &TestApp, token: &str, name: &str) -> Value {
    let response = app
        .post_json("/api/v1/hubs", Some(token), &json!({"name": name, "kind": "library", "postcode": "m32 0th"}))
        .await;
    assert_eq!(response.status(), 201);
    assert!(response.headers().get("location").is_some());
    assert_eq!(response.headers()["etag"], "\"1\"");
    response.json().await.expect("json")
}

#[actix_web::test]
async fn an_admin_creates_a_hub_that_every_role_can_read() {
    let app = TestApp::spawn().await;
    let admin = app.admin().await;
    let hub = create_hub(&app, &admin.token, "Stretford Library").await;
    assert_eq!(hub["postcode"], "M32 0TH", "postcodes are stored in canonical form");
    assert_eq!(hub["active"], true);
    for role in [Role::HubStaff, Role::Partner, Role::Reporter] {
        let user = app.user(role).await;
        let got =
            json_ok(app.get(&format!("/api/v1/hubs/{}", hub["id"].as_str().expect("id")), Some(&user.token)).await)
                .await;
        assert_eq!(got["name"], "Stretford Library");
    }
}

#[actix_web::test]
async fn hub_names_are_unique_ignoring_case() {
    let app = TestApp::spawn().await;
    let admin = app.admin().await;
    create_hub(&app, &admin.token, "Sale Library").await;
    let response =
        app.post_json("/api/v1/hubs", Some(&admin.token), &json!({"name": "SALE library", "kind": "library"})).await;
    let body = assert_problem(response, 409).await;
    assert_eq!(body["detail"], "a hub with this name already exists");
}

#[actix_web::test]
async fn pages_cover_every_hub_once_even_while_hubs_are_added() {
    let app = TestApp::spawn().await;
    let admin = app.admin().await;
    let mut created = HashSet::new();
    for i in 0..7 {
        created
            .insert(create_hub(&app, &admin.token, &format!("Hub {i}")).await["id"].as_str().expect("id").to_owned());
    }
    let mut seen = Vec::new();
    let mut cursor: Option<String> = None;
    let mut pages = 0;
    loop {
        let path = match &cursor {
            Some(c) => format!("/api/v1/hubs?limit=3&cursor={c}"),
            None => "/api/v1/hubs?limit=3".to_owned(),
        };
        let page = json_ok(app.get(&path, Some(&admin.token)).await).await;
        seen.extend(page["items"].as_array().expect("items").iter().map(|h| h["id"].as_str().expect("id").to_owned()));
        pages += 1;
        if pages == 1 {
            // A hub added mid-way appears at the end, never shifting what was already paged.
            created.insert(
                create_hub(&app, &admin.token, "Added while paging").await["id"].as_str().expect("id").to_owned(),
            );
        }
        match page["next_cursor"].as_str() {
            Some(c) => cursor = Some(c.to_owned()),
            None => break,
        }
    }
    assert_eq!(pages, 3);
    assert_eq!(seen.len(), created.len(), "no hub twice, none missed");
    assert_eq!(seen.iter().cloned().collect::<HashSet<_>>(), created);
}

#[actix_web::test]
async fn hubs_can_be_filtered() {
    let app = TestApp::spawn().await;
    let admin = app.admin().await;
    create_hub(&app, &admin.token, "Urmston Library").await;
    app.post_json(
        "/api/v1/hubs",
        Some(&admin.token),
        &json!({"name": "Trafford Park Warehouse", "kind": "warehouse", "active": false}),
    )
    .await;
    let warehouses = json_ok(app.get("/api/v1/hubs?kind=warehouse", Some(&admin.token)).await).await;
    assert_eq!(warehouses["items"].as_array().map(Vec::len), Some(1));
    let inactive = json_ok(app.get("/api/v1/hubs?active=false", Some(&admin.token)).await).await;
    assert_eq!(inactive["items"][0]["name"], "Trafford Park Warehouse");
    let by_text = json_ok(app.get("/api/v1/hubs?q=urm", Some(&admin.token)).await).await;
    assert_eq!(by_text["items"][0]["name"], "Urmston Library");
    let literal = json_ok(app.get("/api/v1/hubs?q=%25", Some(&admin.token)).await).await;
    assert_eq!(literal["items"].as_array().map(Vec::len), Some(0), "% is matched literally");
}

#[actix_web::test]
async fn patch_needs_if_match_and_refuses_a_stale_etag() {
    let app = TestApp::spawn().await;
    let admin = app.admin().await;
    let hub = create_hub(&app, &admin.token, "Old Trafford Pop-up").await;
    let path = format!("/api/v1/hubs/{}", hub["id"].as_str().expect("id"));
    let get = app.get(&path, Some(&admin.token)).await;
    let etag = get.headers()["etag"].to_str().expect("etag").to_owned();
    assert_eq!(etag, "\"1\"");

    assert_problem(app.patch_json(&path, Some(&admin.token), None, &json!({"name": "New name"})).await, 428).await;

    let updated =
        app.patch_json(&path, Some(&admin.token), Some(&etag), &json!({"name": "New name", "postcode": null})).await;
    assert_eq!(updated.headers()["etag"], "\"2\"");
    let body = json_ok(updated).await;
    assert_eq!(body["name"], "New name");
    assert_eq!(body["postcode"], Value::Null, "null clears a field");
    assert_eq!(body["kind"], "library", "absent fields are unchanged");

    assert_problem(app.patch_json(&path, Some(&admin.token), Some(&etag), &json!({"name": "Lost update"})).await, 412)
        .await;
    assert_problem(app.patch_json(&path, Some(&admin.token), Some("W/\"2\""), &json!({"name": "Weak"})).await, 412)
        .await;
    let current = json_ok(app.get(&path, Some(&admin.token)).await).await;
    assert_eq!(current["name"], "New name", "a refused PATCH changes nothing");
}

#[actix_web::test]
async fn concurrent_patches_with_the_same_etag_let_exactly_one_win() {
    let app = TestApp::spawn().await;
    let admin = app.admin().await;
    let hub = create_hub(&app, &admin.token, "Race hub").await;
    let path = format!("/api/v1/hubs/{}", hub["id"].as_str().expect("id"));
    let bodies: Vec<_> = (0..10).map(|i| json!({"name": format!("Racer {i}")})).collect();
    let attempts = bodies.iter().map(|body| app.patch_json(&path, Some(&admin.token), Some("\"1\""), body));
    let statuses: Vec<u16> = futures::future::join_all(attempts).await.iter().map(|r| r.status().as_u16()).collect();
    assert_eq!(statuses.iter().filter(|s| **s == 200).count(), 1, "{statuses:?}");
    assert_eq!(statuses.iter().filter(|s| **s == 412).count(), 9, "{statuses:?}");
    let current = json_ok(app.get(&path, Some(&admin.token)).await).await;
    assert_eq!(current["version"], 2);
}

#[actix_web::test]
async fn an_unknown_hub_is_404() {
    let app = TestApp::spawn().await;
    let admin = app.admin().await;
    let path = format!("/api/v1/hubs/{}", uuid::Uuid::now_v7());
    assert_problem(app.get(&path, Some(&admin.token)).await, 404).await;
    assert_problem(app.patch_json(&path, Some(&admin.token), Some("\"1\""), &json!({"name": "x"})).await, 404).await;
}
