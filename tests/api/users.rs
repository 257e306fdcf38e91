use serde_json::json;

use tech4all::auth::Role;

use crate::helpers::{PASSWORD, TestApp, assert_problem, json_ok};

#[actix_web::test]
async fn an_admin_creates_hub_staff_who_can_then_sign_in() {
    let app = TestApp::spawn().await;
    let admin = app.admin().await;
    let hub = app.insert_hub("Sale Library");
    let response = app
        .post_json(
            "/api/v1/users",
            Some(&admin.token),
            &json!({"email": "Jo@Example.org", "display_name": "Jo", "role": "hub_staff", "password": PASSWORD, "hub_ids": [hub]}),
        )
        .await;
    assert_eq!(response.status(), 201);
    let user = json_ok(response).await;
    assert_eq!(user["email"], "jo@example.org");
    assert_eq!(user["hub_ids"][0], hub.to_string());
    assert!(user.get("password_hash").is_none());
    let token = app.login("jo@example.org", PASSWORD).await;
    let me = json_ok(app.get("/api/v1/me", Some(&token)).await).await;
    assert_eq!(me["hub_ids"][0], hub.to_string());

    let duplicate = app
        .post_json(
            "/api/v1/users",
            Some(&admin.token),
            &json!({"email": "JO@example.org", "display_name": "Jo 2", "role": "reporter"}),
        )
        .await;
    assert_problem(duplicate, 409).await;
}

#[actix_web::test]
async fn role_scope_and_password_rules_are_enforced() {
    let app = TestApp::spawn().await;
    let admin = app.admin().await;
    let cases = [
        (json!({"email": "a@example.org", "display_name": "A", "role": "partner"}), "organisation_id"),
        (
            json!({"email": "b@example.org", "display_name": "B", "role": "reporter", "hub_ids": [app.insert_hub("H")]}),
            "hub_ids",
        ),
        (json!({"email": "c@example.org", "display_name": "C", "role": "reporter", "password": "short"}), "password"),
        (json!({"email": "not-an-email", "display_name": "D", "role": "reporter"}), "email"),
    ];
    for (body, field) in cases {
        let problem = assert_problem(app.post_json("/api/v1/users", Some(&admin.token), &body).await, 422).await;
        assert_eq!(problem["errors"][0]["field"], field, "{body}");
    }
    let unknown_hub =
        json!({"email": "e@example.org", "display_name": "E", "role": "hub_staff", "hub_ids": [uuid::Uuid::now_v7()]});
    let problem = assert_problem(app.post_json("/api/v1/users", Some(&admin.token), &unknown_hub).await, 422).await;
    assert_eq!(problem["errors"][0]["field"], "hub_ids");
}

#[actix_web::test]
async fn a_missing_record_named_in_a_body_is_a_422_and_a_missing_url_a_404() {
    let app = TestApp::spawn().await;
    let admin = app.admin().await;
    let (user, _) = app.create_account(Role::HubStaff, vec![app.insert_hub("Sale Library")], None);
    let unknown = json!({"hub_ids": [uuid::Uuid::now_v7()]});
    let path = format!("/api/v1/users/{user}");
    let problem = assert_problem(app.patch_json(&path, Some(&admin.token), Some("*"), &unknown).await, 422).await;
    assert_eq!(problem["type"], "/problems/validation");
    assert_eq!(problem["errors"][0]["field"], "hub_ids");
    assert_eq!(problem["errors"][0]["message"], "refers to a record that does not exist");
    let gone = format!("/api/v1/users/{}", uuid::Uuid::now_v7());
    let problem = assert_problem(app.patch_json(&gone, Some(&admin.token), Some("*"), &unknown).await, 404).await;
    assert_eq!(problem["type"], "/problems/not-found");
}

#[actix_web::test]
async fn the_last_active_admin_cannot_be_disabled_demoted_or_deleted() {
    let app = TestApp::spawn().await;
    let admin = app.admin().await;
    let path = format!("/api/v1/users/{}", admin.id);
    assert_problem(app.patch_json(&path, Some(&admin.token), Some("*"), &json!({"active": false})).await, 409).await;
    assert_problem(app.patch_json(&path, Some(&admin.token), Some("*"), &json!({"role": "reporter"})).await, 409).await;
    let second = app.admin().await;
    let delete = app.request(reqwest::Method::DELETE, &path, Some(&second.token)).send().await.expect("sent");
    assert_eq!(delete.status(), 204, "with another admin left, deletion is fine");
}

#[actix_web::test]
async fn users_can_be_listed_and_filtered_by_role_and_hub() {
    let app = TestApp::spawn().await;
    let admin = app.admin().await;
    let hub = app.insert_hub("Filter hub");
    let staff = app.user_with(Role::HubStaff, vec![hub], None).await;
    app.user(Role::Reporter).await;
    let by_role = json_ok(app.get("/api/v1/users?role=hub_staff", Some(&admin.token)).await).await;
    assert_eq!(by_role["items"].as_array().map(Vec::len), Some(1));
    let by_hub = json_ok(app.get(&format!("/api/v1/users?hub_id={hub}"), Some(&admin.token)).await).await;
    assert_eq!(by_hub["items"][0]["id"], staff.id.to_string());
}

#[actix_web::test]
async fn changing_a_users_role_ends_their_tokens_and_drops_their_hubs() {
    let app = TestApp::spawn().await;
    let admin = app.admin().await;
    let staff = app.user(Role::HubStaff).await;
    let path = format!("/api/v1/users/{}", staff.id);
    let updated =
        json_ok(app.patch_json(&path, Some(&admin.token), Some("\"1\""), &json!({"role": "reporter"})).await).await;
    assert_eq!(updated["role"], "reporter");
    assert_eq!(updated["hub_ids"], json!([]));
    assert_problem(app.get("/api/v1/me", Some(&staff.token)).await, 401).await;
}

#[actix_web::test]
async fn null_is_refused_for_fields_that_cannot_be_cleared() {
    let app = TestApp::spawn().await;
    let admin = app.admin().await;
    let user = app.user(Role::Reporter).await;
    let path = format!("/api/v1/users/{}", user.id);
    for field in ["display_name", "role", "active", "hub_ids", "password"] {
        let body = serde_json::Value::Object([(field.to_owned(), serde_json::Value::Null)].into_iter().collect());
        let response = app.patch_json(&path, Some(&admin.token), Some("*"), &body).await;
        let problem = assert_problem(response, 422).await;
        assert_eq!(problem["errors"][0]["field"], field);
    }
}

#[actix_web::test]
async fn giving_a_role_that_does_not_fit_the_account_is_a_conflict() {
    let app = TestApp::spawn().await;
    let admin = app.admin().await;
    let user = app.user(Role::Reporter).await;
    let path = format!("/api/v1/users/{}", user.id);
    let problem =
        assert_problem(app.patch_json(&path, Some(&admin.token), Some("*"), &json!({"role": "partner"})).await, 409)
            .await;
    assert_eq!(problem["errors"][0]["field"], "organisation_id");
}

#[actix_web::test]
async fn guesses_at_the_current_password_are_throttled() {
    let app = TestApp::spawn_with(|s| s.login.max_failures_per_account = 2).await;
    let user = app.user(Role::Reporter).await;
    let guess = json!({"current_password": "is it this one", "new_password": "a brand new password"});
    for _ in 0..2 {
        assert_problem(app.post_json("/api/v1/me/password", Some(&user.token), &guess).await, 403).await;
    }
    let right = json!({"current_password": PASSWORD, "new_password": "a brand new password"});
    assert_problem(app.post_json("/api/v1/me/password", Some(&user.token), &right).await, 429).await;
}
