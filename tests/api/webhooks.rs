//! Webhooks to partners and integrations: events queued with the changes that cause them,
//! delivered by the worker to a real HTTP server here, signature-checked with the Standard
//! Webhooks library, partners hearing only of their own work, retries for more than a day,
//! switching off with the owner told by email, the delivery log and redelivery, and targets in
//! private ranges refused unless the operator allows them.

use chrono::Utc;
use diesel::prelude::*;
use reqwest::Method;
use serde_json::{Value, json};
use uuid::Uuid;

use tech4all::auth::Role;
use tech4all::worker::WebhookPoster;

use crate::helpers::{TestApp, assert_problem, json_ok, test_settings};
use crate::receiver::{Received, Receiver};
use crate::refurbishment::{Scene, assign, job_action, laptop, scene, wipe};

fn allow_private(settings: &mut tech4all::config::Settings) {
    settings.webhook_allow_private = true;
}

fn poster() -> WebhookPoster {
    let mut settings = test_settings();
    allow_private(&mut settings);
    WebhookPoster::from_settings(&settings)
}

fn deliver_all(app: &TestApp, poster: &WebhookPoster) -> usize {
    let mut total = 0;
    while let Ok(n @ 1..) = tech4all::worker::deliver_webhooks_due(&app.pool, poster, Utc::now()) {
        total += n;
    }
    total
}

async fn subscribe(app: &TestApp, token: &str, url: String, events: Value) -> (String, String) {
    let body = json!({"url": url, "event_types": events, "description": "our system"});
    let created = app.post_json("/api/v1/webhooks", Some(token), &body).await;
    assert_eq!(created.status(), 201);
    let created = json_ok(created).await;
    (created["id"].as_str().expect("id").to_owned(), created["secret"].as_str().expect("secret").to_owned())
}

/// Checks the request's signature with the Standard Webhooks library; returns its event.
fn verified(request: &Received, secret: &str) -> Value {
    let mut headers = http::HeaderMap::new();
    for (name, value) in &request.headers {
        if let (Ok(name), Ok(value)) = (http::HeaderName::from_bytes(name.as_bytes()), value.parse()) {
            headers.insert(name, value);
        }
    }
    let webhook = standardwebhooks::Webhook::new(secret).expect("secret");
    webhook.verify(&request.body, &headers).expect("the signature verifies");
    assert!(request.header("webhook-id").is_some_and(|id| id.starts_with("msg_")));
    request.json()
}

fn types_at(receiver: &Receiver, path: &str, secret: &str) -> Vec<String> {
    receiver
        .all()
        .iter()
        .filter(|r| r.path == path)
        .map(|r| verified(r, secret)["type"].as_str().expect("type").to_owned())
        .collect()
}

#[actix_web::test]
async fn partners_get_signed_events_about_their_own_jobs_and_admins_get_everything() {
    let app = TestApp::spawn_with(allow_private).await;
    let s: Scene = scene(&app).await;
    let other_org = app.insert_organisation("Other Refurbishers");
    let other = app.user_with(Role::Partner, vec![], Some(other_org)).await;
    let receiver = Receiver::start(|_| (204, Value::Null));
    let all = json!([
        "job.assigned",
        "job.changed",
        "device.status_changed",
        "wipe.recorded",
        "loan.out",
        "loan.back",
        "sale.made"
    ]);
    let (_, admin_secret) = subscribe(&app, &s.admin.token, format!("{}/admin", receiver.url), all).await;
    let partner_events = json!(["job.assigned", "job.changed", "device.status_changed", "wipe.recorded"]);
    let (mine, partner_secret) =
        subscribe(&app, &s.partner.token, format!("{}/partner", receiver.url), partner_events.clone()).await;
    let (_, other_secret) = subscribe(&app, &other.token, format!("{}/other", receiver.url), partner_events).await;

    // A partner asking to hear of sales is refused; another partner's subscription is not theirs.
    let sales = json!({"url": format!("{}/x", receiver.url), "event_types": ["sale.made"]});
    let refused = assert_problem(app.post_json("/api/v1/webhooks", Some(&s.partner.token), &sales).await, 422).await;
    assert_eq!(refused["errors"][0]["field"], "event_types[0]");
    assert_problem(app.get(&format!("/api/v1/webhooks/{mine}"), Some(&other.token)).await, 404).await;
    let listed = json_ok(app.get("/api/v1/webhooks", Some(&other.token)).await).await;
    assert_eq!(listed["items"].as_array().map(Vec::len), Some(1), "a partner lists only its own");
    assert!(listed["items"][0].get("secret").is_none(), "the secret is shown once, when created");
    let listed = json_ok(app.get("/api/v1/webhooks", Some(&s.admin.token)).await).await;
    assert_eq!(listed["items"].as_array().map(Vec::len), Some(3), "an admin sees the scheme's");

    let device = laptop(&app, &s).await;
    let job = assign(&app, &s, &device).await;
    let job_id = job["id"].as_str().expect("job");
    job_action(&app, &s.partner.token, job_id, "start", &json!({})).await;
    job_action(&app, &s.partner.token, job_id, "wipes", &wipe(true)).await;
    assert!(deliver_all(&app, &poster()) > 0);

    let partner = types_at(&receiver, "/partner", &partner_secret);
    for expected in ["job.assigned", "job.changed", "device.status_changed", "wipe.recorded"] {
        assert!(partner.contains(&expected.to_owned()), "{expected} in {partner:?}");
    }
    assert!(types_at(&receiver, "/other", &other_secret).is_empty(), "another partner hears nothing of this job");
    let admin = types_at(&receiver, "/admin", &admin_secret);
    // The scheme's own subscription hears the same, and the device's arrival before any job.
    assert_eq!(admin.len(), partner.len() + 1, "{admin:?} against {partner:?}");
    assert!(partner.iter().all(|t| admin.contains(t)));

    // A sale reaches the scheme's subscription and no partner's.
    let before = receiver.all().len();
    let resident = app.resident(&s.staff.token, "Ada Buyer").await;
    let sale = json!({"device_id": app.ready_device(s.hub), "resident_id": resident, "payment_method": "cash"});
    let sale = json_ok(app.post_json("/api/v1/sales", Some(&s.staff.token), &sale).await).await;
    deliver_all(&app, &poster());
    let after: Vec<Received> = receiver.all().split_off(before);
    let sold: Vec<&Received> = after.iter().filter(|r| r.json()["type"] == "sale.made").collect();
    assert_eq!(sold.len(), 1, "{after:?}");
    assert_eq!(sold[0].path, "/admin");
    let event = verified(sold[0], &admin_secret);
    assert_eq!(event["data"]["sale_id"], sale["id"]);
    assert!(!event.to_string().contains("Ada Buyer"), "no personal data goes out: {event}");
    assert!(after.iter().all(|r| r.path == "/admin"), "partners hear nothing of a sale");

    // The delivery log shows what went.
    let log = json_ok(app.get(&format!("/api/v1/webhooks/{mine}/deliveries"), Some(&s.partner.token)).await).await;
    let items = log["items"].as_array().expect("items");
    assert_eq!(items.len(), partner.len());
    assert!(items.iter().all(|d| d["status"] == "delivered" && d["last_status_code"] == 204), "{items:?}");
    assert_eq!(deliver_all(&app, &poster()), 0, "nothing twice");
}

fn make_due_now(app: &TestApp) {
    diesel::sql_query("UPDATE webhook_deliveries SET next_attempt_at = now() WHERE status = 'pending'")
        .execute(&mut app.conn())
        .expect("the clock moves on");
}

#[actix_web::test]
async fn a_failing_endpoint_is_retried_for_a_day_then_switched_off_its_owner_told_and_redelivered() {
    let (smtp_url, inbox) = crate::notices::smtp_server();
    let app = TestApp::spawn_with(allow_private).await;
    let s = scene(&app).await;
    let receiver = Receiver::start(|_| (500, json!({"error": "down"})));
    let (hook, secret) =
        subscribe(&app, &s.partner.token, format!("{}/hooks", receiver.url), json!(["job.assigned"])).await;
    let device = laptop(&app, &s).await;
    assign(&app, &s, &device).await;
    let poster = poster();

    assert_eq!(deliver_all(&app, &poster), 1);
    let log_path = format!("/api/v1/webhooks/{hook}/deliveries");
    let log = json_ok(app.get(&log_path, Some(&s.partner.token)).await).await;
    let first = &log["items"][0];
    assert_eq!((first["status"].clone(), first["attempts"].clone()), (json!("pending"), json!(1)));
    assert_eq!(first["last_status_code"], 500);
    let next = first["next_attempt_at"].as_str().expect("next").parse::<chrono::DateTime<Utc>>().expect("time");
    assert!(next > Utc::now(), "it waits before the next try");
    assert_eq!(deliver_all(&app, &poster), 0, "not before its time");

    // Seven more tries (over more than a day, the test moving the clock) and it is given up.
    for _ in 0..7 {
        make_due_now(&app);
        assert_eq!(deliver_all(&app, &poster), 1);
    }
    let log = json_ok(app.get(&log_path, Some(&s.partner.token)).await).await;
    assert_eq!((log["items"][0]["status"].clone(), log["items"][0]["attempts"].clone()), (json!("gave_up"), json!(8)));
    let requests = receiver.all();
    assert_eq!(requests.len(), 8);
    let ids: std::collections::HashSet<_> =
        requests.iter().map(|r| r.header("webhook-id").map(str::to_owned)).collect();
    assert_eq!(ids.len(), 1, "every attempt is the same message");
    verified(&requests[7], &secret);

    // Switched off, and the partner who set it up is told by email.
    let shown = json_ok(app.get(&format!("/api/v1/webhooks/{hook}"), Some(&s.partner.token)).await).await;
    assert_eq!(shown["enabled"], false);
    assert!(shown["disabled_reason"].as_str().is_some_and(|r| r.contains("more than a day")), "{shown}");
    let smtp = crate::notices::smtp_to(&smtp_url);
    assert_eq!(crate::notices::drain(&app, &smtp), 1);
    let mail = inbox.all();
    assert_eq!(mail.len(), 1);
    assert!(mail[0].contains(&s.partner.email) && mail[0].contains("/hooks"), "{}", mail[0]);
    // While off, nothing new is queued for it, and nothing is redelivered.
    let gave_up = log["items"][0]["id"].clone();
    let again = json!({"delivery_id": gave_up});
    assert_problem(app.post_json(&log_path, Some(&s.partner.token), &again).await, 409).await;

    // The endpoint is mended; the partner switches it on and asks for the message again.
    receiver.answer_with(|_| (200, json!({"ok": true})));
    let tag = format!("\"{}\"", shown["version"]);
    let empty = json!({"event_types": []});
    let stale =
        app.patch_json(&format!("/api/v1/webhooks/{hook}"), Some(&s.partner.token), Some("\"1\""), &empty).await;
    assert_problem(stale, 422).await;
    let on = app
        .patch_json(&format!("/api/v1/webhooks/{hook}"), Some(&s.partner.token), Some(&tag), &json!({"enabled": true}))
        .await;
    assert_eq!(json_ok(on).await["enabled"], true);
    let queued = app.post_json(&log_path, Some(&s.partner.token), &again).await;
    assert_eq!(queued.status(), 202);
    assert_problem(app.post_json(&log_path, Some(&s.partner.token), &again).await, 409).await;
    let unknown = json!({"delivery_id": Uuid::now_v7()});
    assert_problem(app.post_json(&log_path, Some(&s.partner.token), &unknown).await, 422).await;
    assert_eq!(deliver_all(&app, &poster), 1);
    let log = json_ok(app.get(&log_path, Some(&s.partner.token)).await).await;
    assert_eq!(log["items"][0]["status"], "delivered");
    let last = receiver.all().pop().expect("redelivered");
    assert_eq!(last.header("webhook-id"), requests[0].header("webhook-id"), "the same message, newly signed");
    verified(&last, &secret);

    // An endpoint that answers 410 Gone is switched off at once.
    receiver.answer_with(|_| (410, Value::Null));
    assign(&app, &s, &laptop(&app, &s).await).await;
    assert_eq!(deliver_all(&app, &poster), 1);
    let shown = json_ok(app.get(&format!("/api/v1/webhooks/{hook}"), Some(&s.partner.token)).await).await;
    assert_eq!(shown["enabled"], false);
    assert!(shown["disabled_reason"].as_str().is_some_and(|r| r.contains("410")), "{shown}");
}

#[actix_web::test]
async fn private_targets_are_refused_unless_the_operator_allows_them() {
    let app = TestApp::spawn().await;
    let admin = app.admin().await;
    for url in [
        "http://127.0.0.1:9/hooks",
        "https://10.0.0.8/hooks",
        "https://[::1]/x",
        "https://localhost/x",
        "http://partner.example.org/x",
    ] {
        let body = json!({"url": url, "event_types": ["sale.made"]});
        let refused = assert_problem(app.post_json("/api/v1/webhooks", Some(&admin.token), &body).await, 422).await;
        assert_eq!(refused["errors"][0]["field"], "url", "{url}");
    }
    let body = json!({"url": "https://partner.example.org/hooks", "event_types": ["sale.made", "sale.made"]});
    assert_problem(app.post_json("/api/v1/webhooks", Some(&admin.token), &body).await, 422).await;
    let body = json!({"url": "https://partner.example.org/hooks", "event_types": ["device.exploded"]});
    assert_problem(app.post_json("/api/v1/webhooks", Some(&admin.token), &body).await, 422).await;

    // A subscription made while private targets were allowed is still not called at a private
    // address by a worker that does not allow them: the name is checked when it is resolved.
    let allowed = TestApp::spawn_with(allow_private).await;
    let s = scene(&allowed).await;
    let receiver = Receiver::start(|_| (204, Value::Null));
    let url = receiver.url.replace("127.0.0.1", "localhost");
    subscribe(&allowed, &s.admin.token, format!("{url}/hooks"), json!(["job.assigned"])).await;
    assign(&allowed, &s, &laptop(&allowed, &s).await).await;
    let strict = WebhookPoster::from_settings(&test_settings());
    assert_eq!(tech4all::worker::deliver_webhooks_due(&allowed.pool, &strict, Utc::now()).expect("runs"), 1);
    assert!(receiver.all().is_empty(), "nothing reached the loopback address");
    let hooks = json_ok(allowed.get("/api/v1/webhooks", Some(&s.admin.token)).await).await;
    let id = hooks["items"][0]["id"].as_str().expect("id");
    let log = json_ok(allowed.get(&format!("/api/v1/webhooks/{id}/deliveries"), Some(&s.admin.token)).await).await;
    assert!(log["items"][0]["last_error"].as_str().is_some_and(|e| e.contains("private")), "{log}");

    // Deleting a subscription takes its log with it; it is then not found.
    let gone = allowed.request(Method::DELETE, &format!("/api/v1/webhooks/{id}"), Some(&s.admin.token)).send().await;
    assert_eq!(gone.expect("sent").status(), 204);
    assert_problem(allowed.get(&format!("/api/v1/webhooks/{id}/deliveries"), Some(&s.admin.token)).await, 404).await;
}
