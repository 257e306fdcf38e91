//! The role × route matrix: every route without a token, and as each role.

use reqwest::Method;
use serde_json::{Value, json};
use uuid::Uuid;

use tech4all::auth::Role;

use crate::helpers::TestApp;

/// Routes anyone may call without signing in.
const PUBLIC: &[&str] =
    &["/health/live", "/health/ready", "/metrics", "/api/v1/openapi.yaml", "/api/v1/auth/login", "/api/v1/auth/token"];

fn concrete(path: &str, id: Uuid) -> String {
    path.replace("{id}", &id.to_string()).replace("{key_id}", &Uuid::now_v7().to_string())
}

#[actix_web::test]
async fn every_protected_route_needs_a_token() {
    let app = TestApp::spawn().await;
    for (method, path) in tech4all::route_table().list() {
        if PUBLIC.contains(&path.as_str()) {
            continue;
        }
        let method: Method = method.parse().expect("method");
        let response = app
            .request(method.clone(), &concrete(&path, Uuid::now_v7()), None)
            .json(&json!({}))
            .send()
            .await
            .expect("sent");
        assert_eq!(response.status(), 401, "{method} {path} without a token");
    }
}

/// A valid body for each write route, so a refusal can only come from the role.
fn body_for(method: &str, path: &str, hub: Uuid) -> Value {
    let n = Uuid::now_v7().simple().to_string();
    match (method, path) {
        ("POST", "/api/v1/hubs") => json!({"name": format!("Hub {n}"), "kind": "library"}),
        ("PATCH", "/api/v1/hubs/{id}") | ("PATCH", "/api/v1/wards/{id}") => json!({"name": format!("Renamed {n}")}),
        ("POST", "/api/v1/wards") => json!({"name": format!("Ward {n}")}),
        ("POST", "/api/v1/users") => {
            json!({"email": format!("{n}@example.org"), "display_name": "X", "role": "reporter"})
        }
        ("PATCH", "/api/v1/users/{id}") => json!({"display_name": "Y"}),
        ("POST", "/api/v1/users/{id}/api-keys") => json!({"name": "key"}),
        ("POST", "/api/v1/me/password") => {
            json!({"current_password": "wrong wrong wrong", "new_password": "new password 123"})
        }
        _ => json!({"hub": hub}),
    }
}

/// Who may call a route: admins everything; every role reads hubs and wards and its own account.
fn allowed(role: Role, method: &str, path: &str) -> bool {
    role == Role::Admin
        || (method == "GET" && (path.starts_with("/api/v1/hubs") || path.starts_with("/api/v1/wards")))
        || path.starts_with("/api/v1/me")
}

#[actix_web::test]
async fn each_role_reaches_exactly_what_it_may() {
    let app = TestApp::spawn().await;
    for role in Role::ALL.iter().copied() {
        let user = app.user(role).await;
        let hub = app.insert_hub("Matrix hub");
        for (method, path) in tech4all::route_table().list() {
            if PUBLIC.contains(&path.as_str()) {
                continue;
            }
            // Routes on one record target a real one, so "allowed" shows as success.
            let target = if path.starts_with("/api/v1/hubs/") {
                hub
            } else if path.starts_with("/api/v1/users/") {
                app.create_account(Role::Reporter, vec![], None).0
            } else {
                Uuid::now_v7()
            };
            let url = concrete(&path, target);
            let mut request = app.request(method.parse().expect("method"), &url, Some(&user.token));
            if method == "POST" || method == "PATCH" {
                request = request.json(&body_for(&method, &path, hub)).header("if-match", "*");
            }
            let status = request.send().await.expect("sent").status().as_u16();
            // A wrong current password is refused with 403 after the role was accepted.
            let refused_by_role = status == 401 || (status == 403 && path != "/api/v1/me/password");
            if allowed(role, &method, &path) {
                assert!(!refused_by_role, "{role} {method} {url} should be allowed, got {status}");
            } else {
                assert_eq!(status, 403, "{role} {method} {url} should be forbidden");
            }
        }
    }
}
