//! The role × route matrix: every route without a token, and as each role.

use reqwest::Method;
use serde_json::{Value, json};
use uuid::Uuid;

use tech4all::auth::Role;

use crate::helpers::TestApp;

/// Routes anyone may call without signing in.
pub(crate) const PUBLIC: &[&str] =
    &["/health/live", "/health/ready", "/metrics", "/api/v1/openapi.yaml", "/api/v1/auth/login", "/api/v1/auth/token"];

fn concrete(path: &str, id: Uuid) -> String {
    path.replace("{id}", &id.to_string())
        .replace("{key_id}", &Uuid::now_v7().to_string())
        .replace("{user_id}", &Uuid::now_v7().to_string())
        .replace("{tag}", "T4A-999999")
        .replace("{reset_id}", &Uuid::now_v7().to_string())
        .replace("{kind}", "sale_receipt")
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
pub(crate) fn body_for(method: &str, path: &str, hub: Uuid) -> Value {
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
        ("POST", "/api/v1/organisations") => json!({"name": format!("Org {n}"), "roles": ["donor"]}),
        ("PATCH", "/api/v1/organisations/{id}") => json!({"notes": "x"}),
        ("POST", "/api/v1/donations") => {
            json!({"donor_id": Uuid::now_v7(), "hub_id": hub, "received_on": "2026-11-20"})
        }
        ("PATCH", "/api/v1/donations/{id}") => json!({"collection_notes": "x"}),
        ("PATCH", "/api/v1/devices/{id}") => json!({"notes": "x"}),
        ("POST", "/api/v1/devices/{id}/transfer") => json!({"to_hub_id": hub}),
        ("POST", "/api/v1/devices/{id}/mark-lost") => json!({"note": "x"}),
        ("POST", "/api/v1/donations/{id}/devices") => json!([{"category": "laptop"}]),
        ("POST", "/api/v1/refurbishment-jobs") => {
            json!({"refurbisher_id": Uuid::now_v7(), "device_ids": [Uuid::now_v7()]})
        }
        ("POST", "/api/v1/refurbishment-jobs/{id}/wipes") => {
            json!({"level": "purge", "method": "overwrite", "tool": "t", "verified": true, "operator_name": "o", "performed_at": "2026-11-24T10:00:00Z"})
        }
        ("POST", "/api/v1/refurbishment-jobs/{id}/complete") => json!({"grade": "A", "functional_result": "passed"}),
        ("POST", "/api/v1/refurbishment-jobs/{id}/beyond-repair") => json!({"reason": "other"}),
        ("POST", "/api/v1/devices/{id}/recycle") => {
            json!({"recycler_id": Uuid::now_v7(), "waste_transfer_note": "W", "disposed_on": "2026-11-24"})
        }
        ("POST", "/api/v1/residents") => json!({"name": "Matrix Resident", "eligibility": "other"}),
        ("PATCH", "/api/v1/residents/{id}") => json!({"contact_consent": true}),
        ("POST", "/api/v1/sales-sessions") => json!({"hub_id": hub, "held_on": "2026-11-28"}),
        ("POST", "/api/v1/sales-sessions/{id}/devices") => json!({"device_ids": [Uuid::now_v7()]}),
        ("POST", "/api/v1/sales") => {
            json!({"device_id": Uuid::now_v7(), "resident_id": Uuid::now_v7(), "payment_method": "cash"})
        }
        ("POST", "/api/v1/sales/{id}/refund") => json!({"reason": "x"}),
        ("POST", "/api/v1/sim-batches") => {
            json!({"supplier_id": Uuid::now_v7(), "network": "O2", "kind": "physical_sim", "data_gb_per_month": 25, "duration_months": 12, "received_on": "2026-11-01", "hub_id": hub})
        }
        ("POST", "/api/v1/sim-batches/{id}/sims") => json!(["8944110000000000018"]),
        ("POST", "/api/v1/sim-allocations") => json!({"resident_id": Uuid::now_v7(), "network": "O2"}),
        ("POST", "/api/v1/sim-allocations/{id}/end") => json!({"reason": "returned"}),
        ("POST", "/api/v1/loan-rules") => json!({"loan_days": 28}),
        ("PATCH", "/api/v1/loan-rules/{id}") => json!({"loan_days": 28}),
        ("POST", "/api/v1/loans") => json!({"device_id": Uuid::now_v7(), "resident_id": Uuid::now_v7()}),
        ("POST", "/api/v1/loans/{id}/return") => json!({"condition": "ok", "hub_id": hub}),
        ("POST", "/api/v1/stocktakes") => json!({"hub_id": hub}),
        ("POST", "/api/v1/stocktakes/{id}/scans") => json!({"code": "T4A-999999"}),
        ("POST", "/api/v1/stocktakes/{id}/close") => json!({}),
        ("POST", "/api/v1/accessory-kinds") => json!({"name": format!("Kind {n}")}),
        ("PATCH", "/api/v1/accessory-kinds/{id}") => json!({"active": true}),
        ("POST", "/api/v1/agreements") => json!({"kind": "loan", "title": "Terms", "body": "Bring it back."}),
        ("PUT", "/api/v1/notice-templates/{kind}") => json!({"subject": "Receipt", "body": "Hello {name}"}),
        ("POST", "/api/v1/notice-templates/{kind}/preview") => json!({}),
        ("POST", "/api/v1/webhooks") => {
            json!({"url": "https://partner.example.org/hooks", "event_types": ["job.assigned"]})
        }
        ("PATCH", "/api/v1/webhooks/{id}") => json!({"description": "x"}),
        ("POST", "/api/v1/webhooks/{id}/deliveries") => json!({"delivery_id": Uuid::now_v7()}),
        ("POST", "/api/v1/closures") => json!({"starts_on": "2026-12-25", "reason": "Christmas Day"}),
        ("POST", "/api/v1/devices/{id}/resets") => json!({"method": "factory_reset", "verified": true}),
        ("POST", "/api/v1/holds") => json!({"resident_id": Uuid::now_v7(), "hub_id": hub, "category": "laptop"}),
        ("POST", "/api/v1/impact/factor-sets") => {
            let factors: serde_json::Map<String, Value> = tech4all::devices::models::Category::ALL
                .iter()
                .map(|c| (c.to_string(), json!({"manufacture_co2e_kg": 10, "weight_kg": 1})))
                .collect();
            json!({"name": format!("Set {n}"), "version": "1", "source": "s", "displacement": 0.5, "factors": factors})
        }
        ("POST", "/api/v1/schemes") => {
            let code = format!("S{}", &n[..9]).to_uppercase();
            json!({"name": format!("Scheme {n}"), "code": code, "admin": {"email": format!("{n}@scheme.test"), "display_name": "First"}})
        }
        ("PATCH", "/api/v1/schemes/{id}") | ("PATCH", "/api/v1/scheme") => json!({"name": format!("Scheme {n}")}),
        ("POST", "/api/v1/schemes/{id}/report-grants") => json!({"email": format!("{n}@network.test")}),
        ("POST", "/api/v1/me/password") => {
            json!({"current_password": "wrong wrong wrong", "new_password": "new password 123"})
        }
        _ => json!({"hub": hub}),
    }
}

/// Who may call a route: admins everything; every role reads hubs and wards and its own account;
/// hub staff work with organisations (read), donations and devices; partners may ask for single
/// devices and their own organisation (scope then decides, as 404).
fn allowed(role: Role, method: &str, path: &str) -> bool {
    let read = method == "GET";
    // Platform administrators manage schemes and nothing inside one; nobody else manages schemes.
    if role == Role::PlatformAdmin {
        return path.starts_with("/api/v1/schemes") || path.starts_with("/api/v1/me");
    }
    if path.starts_with("/api/v1/schemes") {
        return false;
    }
    (read && path == "/api/v1/scheme")
        || role == Role::Admin
        || (read
            && ((path.starts_with("/api/v1/hubs") && !path.ends_with("/letters"))
                || path.starts_with("/api/v1/wards")
                || path.starts_with("/api/v1/impact")))
        || (read && path.starts_with("/api/v1/reports") && matches!(role, Role::Reporter | Role::HubStaff))
        || (read && path == "/api/v1/organisations/{id}/impact" && role == Role::Reporter)
        || path.starts_with("/api/v1/me")
        || (role == Role::HubStaff
            && ((read && path.starts_with("/api/v1/organisations"))
                || path.starts_with("/api/v1/donations")
                || path.starts_with("/api/v1/devices")))
        || (role == Role::HubStaff && read && (path.starts_with("/api/v1/closures") || path.ends_with("/letters")))
        || (role == Role::HubStaff
            && (path.starts_with("/api/v1/stocktakes")
                || path == "/api/v1/accessories/outstanding"
                || (path.starts_with("/api/v1/notice-templates") && (read || path.ends_with("/preview")))
                || (read && (path.starts_with("/api/v1/accessory-kinds") || path.starts_with("/api/v1/agreements")))))
        || (role == Role::Partner
            && read
            && (path == "/api/v1/organisations/{id}"
                || (path.starts_with("/api/v1/devices/") && path != "/api/v1/devices" && !path.contains("/resets"))))
        || refurbishment(role, method, path)
        || (role == Role::Partner && path.starts_with("/api/v1/webhooks"))
        || (role == Role::HubStaff
            && (path.starts_with("/api/v1/residents")
                || path.starts_with("/api/v1/sales")
                || path.starts_with("/api/v1/sim-")
                || path.starts_with("/api/v1/loans")
                || path.starts_with("/api/v1/holds")
                || (read && path.starts_with("/api/v1/loan-rules")))
            && path != "/api/v1/residents/{id}/erase"
            && path != "/api/v1/residents/{id}/export")
}

/// Staff assign and cancel; partners do the work; both read jobs; anyone handling a device may
/// recycle it.
fn refurbishment(role: Role, method: &str, path: &str) -> bool {
    let partner_work = ["/start", "/wipes", "/complete", "/beyond-repair"].iter().any(|a| path.ends_with(a));
    match (role, method) {
        (Role::HubStaff, _) if path.starts_with("/api/v1/refurbishment-jobs") => !partner_work,
        (Role::Partner, "GET") => path.starts_with("/api/v1/refurbishment-jobs"),
        (Role::Partner, "POST") => partner_work || path == "/api/v1/devices/{id}/recycle",
        _ => false,
    }
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
            let mut url = concrete(&path, target);
            if method == "GET" && path == "/api/v1/residents" {
                // Staff look residents up; only admins list them all.
                url.push_str("?reference=R-000001");
            }
            let mut request = app.request(method.parse().expect("method"), &url, Some(&user.token));
            if method == "POST" || method == "PATCH" || method == "PUT" {
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
