//! Notices to residents from the outbox: a sale's receipt, loans due soon and overdue, sent by
//! the worker over a real SMTP server started here, once each however many workers run, retried
//! when the server is down, skipped without consent, printed for people with no email or phone.

use std::io;
use std::net::TcpListener;
use std::sync::{Arc, Mutex};

use chrono::{Duration, Utc};
use diesel::prelude::*;
use serde_json::{Value, json};
use uuid::Uuid;

use tech4all::auth::Role;
use tech4all::notices::models::Senders;
use tech4all::worker::Outbound;

use crate::helpers::{TestApp, TestUser, json_ok, test_settings};
use crate::receiver::{Received, Receiver};

/// Every message the server accepted, as sent.
#[derive(Clone, Default)]
pub(crate) struct Inbox {
    messages: Arc<Mutex<Vec<String>>>,
    current: Vec<u8>,
}

impl mailin_embedded::Handler for Inbox {
    fn data(&mut self, buf: &[u8]) -> io::Result<()> {
        self.current.extend_from_slice(buf);
        Ok(())
    }

    fn data_end(&mut self) -> mailin_embedded::Response {
        let message = String::from_utf8_lossy(&std::mem::take(&mut self.current)).into_owned();
        self.messages.lock().expect("inbox").push(message);
        mailin_embedded::response::OK
    }
}

impl Inbox {
    pub(crate) fn all(&self) -> Vec<String> {
        self.messages.lock().expect("inbox").clone()
    }
}

/// A real SMTP server on a free loopback port; returns its URL and what it receives.
pub(crate) fn smtp_server() -> (String, Inbox) {
    let listener = TcpListener::bind("127.0.0.1:0").expect("a free port");
    let port = listener.local_addr().expect("address").port();
    let inbox = Inbox::default();
    let mut server = mailin_embedded::Server::new(inbox.clone());
    server.with_name("mail.test").with_tcp_listener(listener);
    server.with_ssl(mailin_embedded::SslConfig::None).expect("plain SMTP");
    std::thread::spawn(move || {
        let _ = server.serve().map_err(|e| e.to_string());
    });
    (format!("smtp://127.0.0.1:{port}"), inbox)
}

pub(crate) fn smtp_to(url: &str) -> Outbound {
    let mut settings = test_settings();
    settings.smtp_url = Some(url.to_owned());
    settings.smtp_from = "Tech4All <noreply@tech4all.test>".into();
    Outbound::from_settings(&settings).expect("smtp settings")
}

async fn staff_at_hub(app: &TestApp) -> (Uuid, TestUser) {
    let hub = app.insert_hub("Stretford Library");
    (hub, app.user_with(Role::HubStaff, vec![hub], None).await)
}

async fn resident(app: &TestApp, token: &str, name: &str, body: Value) -> Uuid {
    let mut base = json!({"name": name, "postcode": "M32 0TH", "eligibility": "universal_credit"});
    base.as_object_mut().expect("object").extend(body.as_object().expect("object").clone());
    let created = json_ok(app.post_json("/api/v1/residents", Some(token), &base).await).await;
    created["id"].as_str().expect("id").parse().expect("uuid")
}

async fn messages(app: &TestApp, token: &str, resident: Uuid) -> Vec<Value> {
    let body = json_ok(app.get(&format!("/api/v1/residents/{resident}/messages"), Some(token)).await).await;
    body["items"].as_array().expect("items").clone()
}

pub(crate) fn drain(app: &TestApp, senders: &dyn Senders) -> usize {
    let mut total = 0;
    while let Ok(n @ 1..) = tech4all::worker::deliver_due(&app.pool, senders, Utc::now()) {
        total += n;
    }
    total
}

#[actix_web::test]
async fn a_sale_sends_its_receipt_once_by_email_after_it_commits() {
    let app = TestApp::spawn().await;
    let (url, inbox) = smtp_server();
    let smtp = smtp_to(&url);
    let (hub, staff) = staff_at_hub(&app).await;
    let buyer =
        resident(&app, &staff.token, "Ada Buyer", json!({"email": "ada@example.org", "contact_consent": true})).await;
    let device = app.ready_device(hub);
    let sale = json!({"device_id": device, "resident_id": buyer, "payment_method": "cash"});
    let sale = json_ok(app.post_json("/api/v1/sales", Some(&staff.token), &sale).await).await;
    let receipt = sale["receipt_number"].as_str().expect("receipt").to_owned();
    // The request did not wait for the mail: it is queued, not sent.
    assert_eq!(messages(&app, &staff.token, buyer).await[0]["status"], "pending");

    assert_eq!(drain(&app, &smtp), 1);
    let mail = inbox.all();
    assert_eq!(mail.len(), 1);
    assert!(
        mail[0].contains("ada@example.org") && mail[0].contains(&receipt) && mail[0].contains("Dear Ada Buyer"),
        "{}",
        mail[0]
    );
    let sent = messages(&app, &staff.token, buyer).await;
    assert_eq!((sent[0]["status"].clone(), sent[0]["channel"].clone()), (json!("sent"), json!("email")));
    assert_eq!(sent[0]["subject"], format!("Your receipt {receipt}"));
    assert_eq!(drain(&app, &smtp), 0, "nothing twice");
    assert_eq!(inbox.all().len(), 1);

    // A refused sale queues nothing: the notice goes only with a change that commits.
    let other = app.ready_device(hub);
    let again = json!({"device_id": other, "resident_id": buyer, "payment_method": "cash"});
    let refused = app.post_json("/api/v1/sales", Some(&staff.token), &again).await;
    assert_eq!(refused.status(), 409, "the household rule");
    assert_eq!(messages(&app, &staff.token, buyer).await.len(), 1);
}

#[actix_web::test]
async fn the_daily_pass_queues_due_and_overdue_reminders_once_and_respects_consent() {
    let app = TestApp::spawn().await;
    let (url, inbox) = smtp_server();
    let smtp = smtp_to(&url);
    let (hub, staff) = staff_at_hub(&app).await;
    let emailed =
        resident(&app, &staff.token, "Bea Email", json!({"email": "bea@example.org", "contact_consent": true})).await;
    let unreachable = resident(&app, &staff.token, "Cy Nophone", json!({"contact_consent": true})).await;
    let private =
        resident(&app, &staff.token, "Di Private", json!({"email": "di@example.org", "contact_consent": false})).await;
    let mut due_on = None;
    for person in [emailed, unreachable, private] {
        let loan = json!({"device_id": app.ready_device(hub), "resident_id": person});
        let loan = json_ok(app.post_json("/api/v1/loans", Some(&staff.token), &loan).await).await;
        due_on = Some(loan["due_on"].as_str().expect("due_on").parse::<chrono::NaiveDate>().expect("date"));
    }
    let due_on = due_on.expect("a due date");
    let at = |day: chrono::NaiveDate| tech4all::calendar::end_of_day(day) - Duration::hours(12);

    // Two days before: one "due soon" each; the pass again the same day adds nothing.
    assert_eq!(tech4all::worker::pass(&app.pool, at(due_on - Duration::days(2))).expect("pass"), 3);
    assert_eq!(tech4all::worker::pass(&app.pool, at(due_on - Duration::days(2))).expect("pass"), 0);
    assert_eq!(
        tech4all::worker::pass(&app.pool, at(due_on - Duration::days(1))).expect("pass"),
        0,
        "not a reminder day"
    );
    for day in [1, 7, 14] {
        assert_eq!(
            tech4all::worker::pass(&app.pool, at(due_on + Duration::days(day))).expect("pass"),
            3,
            "overdue day {day}"
        );
    }
    assert_eq!(drain(&app, &smtp), 12);
    let mail = inbox.all();
    assert_eq!(mail.len(), 4, "Bea: due soon, and overdue on days 1, 7 and 14");
    assert!(mail.iter().all(|m| m.contains("bea@example.org")));
    let overdue = mail.iter().filter(|m| m.contains("Subject: Your Tech4All loan was due on")).count();
    let soon = mail.iter().filter(|m| m.contains("Subject: Your Tech4All loan is due back on")).count();
    assert_eq!((soon, overdue), (1, 3));

    let kinds = |items: &[Value]| {
        items
            .iter()
            .map(|m| {
                (m["kind"].as_str().unwrap_or_default().to_owned(), m["status"].as_str().unwrap_or_default().to_owned())
            })
            .collect::<Vec<_>>()
    };
    let printed = messages(&app, &staff.token, unreachable).await;
    assert!(kinds(&printed).iter().all(|(_, s)| s == "to_print"), "{printed:?}");
    assert_eq!(printed[0]["channel"], "print");
    // The hub prints them as one page; printing marks them sent, and a reprint shows them again.
    let today = tech4all::calendar::local_date(Utc::now());
    let url = format!("/api/v1/hubs/{hub}/letters?date={today}");
    let page = app.get(&url, Some(&staff.token)).await;
    assert_eq!(page.headers()["cache-control"], "no-store");
    let html = page.text().await.expect("html");
    assert_eq!(html.matches("class=\"letter\"").count(), 4, "{html}");
    assert!(html.contains("Cy Nophone") && html.contains("M32 0TH") && !html.contains("Bea Email"), "{html}");
    let printed = messages(&app, &staff.token, unreachable).await;
    assert!(printed.iter().all(|m| m["status"] == "sent" && m["sent_at"].is_string()), "{printed:?}");
    let again = app.get(&url, Some(&staff.token)).await.text().await.expect("html");
    assert_eq!(again.matches("class=\"letter\"").count(), 4, "a reprint");
    let elsewhere = app.user_with(Role::HubStaff, vec![app.insert_hub("Other Library")], None).await;
    crate::helpers::assert_problem(app.get(&url, Some(&elsewhere.token)).await, 404).await;
    let reporter = app.user(Role::Reporter).await;
    crate::helpers::assert_problem(app.get(&url, Some(&reporter.token)).await, 403).await;

    let skipped = messages(&app, &staff.token, private).await;
    assert!(kinds(&skipped).iter().all(|(_, s)| s == "skipped"), "{skipped:?}");
    assert_eq!(skipped[0]["note"], "no consent to contact");
    assert_eq!(skipped[0]["body"], Value::Null, "nothing written for someone we may not contact");
}

#[actix_web::test]
async fn a_mail_server_that_is_down_delays_notices_and_none_is_lost_or_doubled() {
    let app = TestApp::spawn().await;
    let closed = TcpListener::bind("127.0.0.1:0").expect("port").local_addr().expect("addr").port();
    let down = smtp_to(&format!("smtp://127.0.0.1:{closed}"));
    let (hub, staff) = staff_at_hub(&app).await;
    let buyer =
        resident(&app, &staff.token, "Ed Buyer", json!({"email": "ed@example.org", "contact_consent": true})).await;
    let sale = json!({"device_id": app.ready_device(hub), "resident_id": buyer, "payment_method": "cash"});
    let response = app.post_json("/api/v1/sales", Some(&staff.token), &sale).await;
    assert_eq!(response.status(), 201, "the sale never waits for or fails because of a send");

    assert_eq!(drain(&app, &down), 1);
    let waiting = messages(&app, &staff.token, buyer).await;
    assert_eq!((waiting[0]["status"].clone(), waiting[0]["attempts"].clone()), (json!("pending"), json!(1)));
    assert!(waiting[0]["note"].as_str().is_some_and(|n| n.starts_with("SMTP")), "{waiting:?}");
    assert_eq!(drain(&app, &down), 0, "not due again for a minute");

    // The server comes back; the notice's time comes.
    let (url, inbox) = smtp_server();
    diesel::sql_query("UPDATE outbox SET next_attempt_at = now()").execute(&mut app.conn()).expect("due now");
    assert_eq!(drain(&app, &smtp_to(&url)), 1);
    assert_eq!(inbox.all().len(), 1);
    let sent = messages(&app, &staff.token, buyer).await;
    assert_eq!((sent[0]["status"].clone(), sent[0]["attempts"].clone()), (json!("sent"), json!(2)));

    // A server down for good: after the last retry the notice is given up, and admins see it.
    let other = json!({"email": "flo@example.org", "contact_consent": true, "postcode": "M33 3CC"});
    let other = resident(&app, &staff.token, "Flo Buyer", other).await;
    let sale = json!({"device_id": app.ready_device(hub), "resident_id": other, "payment_method": "cash"});
    json_ok(app.post_json("/api/v1/sales", Some(&staff.token), &sale).await).await;
    for _ in 0..30 {
        diesel::sql_query("UPDATE outbox SET next_attempt_at = now() WHERE status = 'pending'")
            .execute(&mut app.conn())
            .expect("due now");
        if drain(&app, &down) == 0 {
            break;
        }
    }
    let admin = app.admin().await;
    let given_up = json_ok(app.get("/api/v1/notices?status=gave_up", Some(&admin.token)).await).await;
    let items = given_up["items"].as_array().expect("items");
    assert_eq!(items.len(), 1, "{items:?}");
    assert_eq!(items[0]["resident_id"], other.to_string());
    assert!(items[0]["attempts"].as_i64().is_some_and(|a| a > 10), "retried for more than a day: {items:?}");
    crate::helpers::assert_problem(app.get("/api/v1/notices", Some(&staff.token)).await, 403).await;
}

#[actix_web::test]
async fn two_workers_send_each_notice_once_and_a_lapsed_claim_is_sent_by_the_next() {
    let app = TestApp::spawn().await;
    let (url, inbox) = smtp_server();
    let (hub, staff) = staff_at_hub(&app).await;
    for i in 0..30 {
        let person = resident(
            &app,
            &staff.token,
            &format!("Buyer {i}"),
            json!({"email": format!("buyer{i}@example.org"), "contact_consent": true}),
        )
        .await;
        let sale = json!({"device_id": app.ready_device(hub), "resident_id": person, "payment_method": "cash"});
        json_ok(app.post_json("/api/v1/sales", Some(&staff.token), &sale).await).await;
    }
    // One claim taken by a worker that then died: its lease lapses.
    let stale = tech4all::notices::repo::claim(&mut app.pool.get().expect("conn"), 1, 60).expect("claims");
    assert_eq!(stale.len(), 1);
    let workers: Vec<_> = (0..2)
        .map(|_| {
            let (pool, url) = (app.pool.clone(), url.clone());
            std::thread::spawn(move || {
                let smtp = smtp_to(&url);
                let mut n = 0;
                while let Ok(k @ 1..) = tech4all::worker::deliver_due(&pool, &smtp, Utc::now()) {
                    n += k;
                }
                n
            })
        })
        .collect();
    let claimed: usize = workers.into_iter().map(|w| w.join().expect("worker")).sum();
    assert_eq!(claimed, 29);
    assert_eq!(inbox.all().len(), 29, "each once; the stale claim waits for its lease");
    diesel::sql_query("UPDATE outbox SET claimed_until = now() - interval '1 second' WHERE status = 'sending'")
        .execute(&mut app.conn())
        .expect("the lease lapses");
    assert_eq!(drain(&app, &smtp_to(&url)), 1);
    let mail = inbox.all();
    assert_eq!(mail.len(), 30);
    let mut to: Vec<&str> = mail.iter().filter_map(|m| m.lines().find(|l| l.starts_with("To:"))).collect();
    to.sort();
    to.dedup();
    assert_eq!(to.len(), 30, "thirty people, one message each");
}

#[actix_web::test]
async fn messages_are_in_the_export_and_go_with_erasure() {
    let app = TestApp::spawn().await;
    let (url, _inbox) = smtp_server();
    let (hub, staff) = staff_at_hub(&app).await;
    let admin = app.admin().await;
    let buyer =
        resident(&app, &staff.token, "Flo Buyer", json!({"email": "flo@example.org", "contact_consent": true})).await;
    let sale = json!({"device_id": app.ready_device(hub), "resident_id": buyer, "payment_method": "cash"});
    json_ok(app.post_json("/api/v1/sales", Some(&staff.token), &sale).await).await;
    drain(&app, &smtp_to(&url));
    let export = json_ok(app.get(&format!("/api/v1/residents/{buyer}/export"), Some(&admin.token)).await).await;
    assert_eq!(export["messages"][0]["recipient"], "flo@example.org");
    json_ok(app.post_json(&format!("/api/v1/residents/{buyer}/erase"), Some(&admin.token), &json!({})).await).await;
    let after = messages(&app, &staff.token, buyer).await;
    assert_eq!((after[0]["recipient"].clone(), after[0]["body"].clone()), (Value::Null, Value::Null));
    assert_eq!(after[0]["status"], "sent", "that a receipt went, and when, stays");
    let stranger = app.user(Role::Partner).await;
    crate::helpers::assert_problem(
        app.get(&format!("/api/v1/residents/{buyer}/messages"), Some(&stranger.token)).await,
        403,
    )
    .await;
}

#[actix_web::test]
async fn a_scheme_words_its_own_notices_with_known_placeholders_and_previews_them() {
    let app = TestApp::spawn().await;
    let (url, inbox) = smtp_server();
    let (hub, staff) = staff_at_hub(&app).await;
    let admin = app.admin().await;
    let listed = json_ok(app.get("/api/v1/notice-templates", Some(&staff.token)).await).await;
    assert_eq!(listed["items"].as_array().map(Vec::len), Some(6));
    assert!(listed["items"].as_array().expect("items").iter().all(|t| t["customised"] == false));

    let put = |body: Value| {
        app.request(reqwest::Method::PUT, "/api/v1/notice-templates/sale_receipt", Some(&admin.token))
            .json(&body)
            .send()
    };
    let wording =
        json!({"subject": "Receipt {receipt_number} from {hub}", "body": "Hello {name}: {device} for {price}."});
    let staff_put = app
        .request(reqwest::Method::PUT, "/api/v1/notice-templates/sale_receipt", Some(&staff.token))
        .json(&wording)
        .send()
        .await
        .expect("sends");
    crate::helpers::assert_problem(staff_put, 403).await;
    let bad = put(json!({"subject": "Receipt", "body": "Hello {nmae}"})).await.expect("sends");
    let problem = crate::helpers::assert_problem(bad, 422).await;
    assert_eq!(problem["errors"][0]["field"], "body");
    assert!(
        problem["errors"][0]["message"].as_str().is_some_and(|m| m.contains("{nmae} is not a placeholder")),
        "{problem}"
    );
    let saved = json_ok(put(wording.clone()).await.expect("sends")).await;
    assert_eq!(saved["customised"], true);
    let unknown_kind = app
        .request(reqwest::Method::PUT, "/api/v1/notice-templates/birthday", Some(&admin.token))
        .json(&wording)
        .send()
        .await
        .expect("sends");
    crate::helpers::assert_problem(unknown_kind, 404).await;

    let preview =
        json_ok(app.post_json("/api/v1/notice-templates/sale_receipt/preview", Some(&staff.token), &json!({})).await)
            .await;
    assert_eq!(preview["body"], "Hello Sam Sample: laptop Dell Latitude 5490 for £60.00.");
    let trial = json!({"body": "Due {due_on}?"});
    crate::helpers::assert_problem(
        app.post_json("/api/v1/notice-templates/sale_receipt/preview", Some(&staff.token), &trial).await,
        422,
    )
    .await;

    // The scheme's wording is what residents get.
    let buyer =
        resident(&app, &staff.token, "Gil Buyer", json!({"email": "gil@example.org", "contact_consent": true})).await;
    let sale = json!({"device_id": app.ready_device(hub), "resident_id": buyer, "payment_method": "cash"});
    json_ok(app.post_json("/api/v1/sales", Some(&staff.token), &sale).await).await;
    drain(&app, &smtp_to(&url));
    let mail = inbox.all();
    assert!(mail[0].contains("Subject: Receipt ") && mail[0].contains("Hello Gil Buyer"), "{}", mail[0]);

    let reset = app
        .request(reqwest::Method::DELETE, "/api/v1/notice-templates/sale_receipt", Some(&admin.token))
        .send()
        .await
        .expect("sends");
    assert_eq!(reset.status(), 204);
    let listed = json_ok(app.get("/api/v1/notice-templates", Some(&staff.token)).await).await;
    assert!(listed["items"].as_array().expect("items").iter().all(|t| t["customised"] == false));
}

/// GOV.UK Notify as its API documentation specifies it for sending a text message (`POST
/// /v2/notifications/sms`: `phone_number` and `template_id` required, `personalisation` a map of
/// strings, `reference` a string, nothing else) and a letter (`POST /v2/notifications/letter`:
/// `template_id` and `personalisation` with `address_line_1` onwards — at least three lines, at
/// most seven, the last a UK postcode — and `reference`), authorised by a bearer JWT signed HS256
/// with the key's secret whose `iss` is the service id and whose `iat` is within 30 seconds of
/// now; 201 with the notification, or 400/403 with its error list.
fn notify_checks(
    service_id: String,
    secret: String,
    templates: (String, String),
) -> impl Fn(&Received) -> (u16, Value) {
    let (template_id, letter_template_id) = templates;
    let error = |code: u16, kind: &str, message: &str| {
        (code, json!({"status_code": code, "errors": [{"error": kind, "message": message}]}))
    };
    move |request: &Received| {
        let letter = request.path == "/v2/notifications/letter";
        if request.method != "POST" || !(letter || request.path == "/v2/notifications/sms") {
            return error(404, "NotFound", "no such route");
        }
        let token = request.header("authorization").and_then(|h| h.strip_prefix("Bearer ")).unwrap_or_default();
        let mut validation = jsonwebtoken::Validation::new(jsonwebtoken::Algorithm::HS256);
        validation.required_spec_claims.clear();
        validation.validate_exp = false;
        let key = jsonwebtoken::DecodingKey::from_secret(secret.as_bytes());
        let Ok(claims) = jsonwebtoken::decode::<Value>(token, &key, &validation).map(|t| t.claims) else {
            return error(403, "AuthError", "Invalid token: signature, api token not found");
        };
        if claims["iss"] != json!(service_id) {
            return error(403, "AuthError", "Invalid token: service not found");
        }
        if claims["iat"].as_i64().is_none_or(|iat| (Utc::now().timestamp() - iat).abs() > 30) {
            return error(403, "AuthError", "Error: Your system clock must be accurate to within 30 seconds");
        }
        if !request.header("content-type").is_some_and(|c| c.starts_with("application/json")) {
            return error(400, "BadRequestError", "Content-Type must be application/json");
        }
        let body = request.json();
        let Some(fields) = body.as_object() else { return error(400, "ValidationError", "not a JSON object") };
        if letter {
            return notify_letter(&body, &letter_template_id).unwrap_or_else(|m| error(400, "ValidationError", m));
        }
        let allowed = ["phone_number", "template_id", "personalisation", "reference", "sms_sender_id"];
        if let Some(extra) = fields.keys().find(|k| !allowed.contains(&k.as_str())) {
            return error(
                400,
                "ValidationError",
                &format!("Additional properties are not allowed ({extra} was unexpected)"),
            );
        }
        let phone = body["phone_number"].as_str().unwrap_or_default();
        let digits: String = phone.chars().filter(char::is_ascii_digit).collect();
        if !(digits.starts_with("07") && digits.len() == 11 || digits.starts_with("447") && digits.len() == 12) {
            return error(400, "ValidationError", "phone_number Not a UK mobile number");
        }
        if body["template_id"] != json!(template_id) {
            return error(400, "BadRequestError", "Template not found");
        }
        let personalisation = body["personalisation"].as_object();
        if personalisation.is_none_or(|p| p.values().any(|v| !v.is_string())) || !body["reference"].is_string() {
            return error(400, "ValidationError", "personalisation and reference must be strings");
        }
        let id = Uuid::now_v7();
        (
            201,
            json!({
                "id": id,
                "reference": body["reference"],
                "content": {"body": body["personalisation"]["body"], "from_number": "Tech4All"},
                "uri": format!("https://api.notifications.service.gov.uk/v2/notifications/{id}"),
                "template": {"id": template_id, "version": 1, "uri": "https://api.notifications.service.gov.uk/v2/template/x"},
            }),
        )
    }
}

/// Notify's letter checks; the created letter's answer, or why it is refused.
fn notify_letter(body: &Value, template_id: &str) -> Result<(u16, Value), &'static str> {
    let fields = body.as_object().ok_or("not a JSON object")?;
    if fields.keys().any(|k| !["template_id", "personalisation", "reference", "postage"].contains(&k.as_str())) {
        return Err("Additional properties are not allowed");
    }
    if body["template_id"] != json!(template_id) {
        return Err("Template not found");
    }
    let personalisation = body["personalisation"].as_object().ok_or("personalisation is required")?;
    let lines: Vec<&str> = (1..=7).map_while(|i| personalisation.get(&format!("address_line_{i}"))?.as_str()).collect();
    if lines.len() < 3 || lines.len() > 7 || personalisation.values().any(|v| !v.is_string()) {
        return Err("Address must be at least 3 lines");
    }
    let last = lines.last().copied().unwrap_or_default();
    if tech4all::contact::normalise_postcode(last).is_err() {
        return Err("Last line of address must be a real UK postcode or another country");
    }
    if !body["reference"].is_string() {
        return Err("reference is required for letters");
    }
    Ok((
        201,
        json!({"id": Uuid::now_v7(), "reference": body["reference"], "content": {"subject": personalisation["subject"], "body": personalisation["body"]}, "template": {"id": template_id, "version": 1}, "scheduled_for": null}),
    ))
}

/// `now` at a given UK hour today (12:00 is always a time texts may go).
fn uk_today_at(hour: u32) -> chrono::DateTime<Utc> {
    use chrono::TimeZone;
    let today = Utc::now().with_timezone(&chrono_tz::Europe::London).date_naive();
    let local = today.and_hms_opt(hour, 30, 0).expect("time");
    chrono_tz::Europe::London.from_local_datetime(&local).earliest().expect("a UK time").with_timezone(&Utc)
}

/// Texts go through GOV.UK Notify. Against the local stand-in by default; with
/// TECH4ALL_TEST_NOTIFY_API_KEY and TECH4ALL_TEST_NOTIFY_SMS_TEMPLATE_ID set (a test key and a
/// template whose content is `((body))`) the same test sends to the real service's smoke-test
/// number instead.
#[actix_web::test]
async fn texts_go_through_notify_by_day_only_to_mobiles_and_failures_are_retried() {
    let app = TestApp::spawn().await;
    let real = std::env::var("TECH4ALL_TEST_NOTIFY_API_KEY")
        .ok()
        .zip(std::env::var("TECH4ALL_TEST_NOTIFY_SMS_TEMPLATE_ID").ok());
    let (service_id, secret, template_id, letter_id) = (
        Uuid::now_v7().to_string(),
        Uuid::now_v7().to_string(),
        Uuid::now_v7().to_string(),
        Uuid::now_v7().to_string(),
    );
    let templates = (template_id.clone(), letter_id.clone());
    let notify = Receiver::start(notify_checks(service_id.clone(), secret.clone(), templates.clone()));
    let mut settings = test_settings();
    settings.notify = Some(match &real {
        Some((api_key, template)) => tech4all::config::NotifySettings {
            api_key: api_key.clone(),
            sms_template_id: template.clone(),
            letter_template_id: std::env::var("TECH4ALL_TEST_NOTIFY_LETTER_TEMPLATE_ID").ok(),
            base_url: "https://api.notifications.service.gov.uk".into(),
        },
        None => tech4all::config::NotifySettings {
            api_key: format!("tech4all_test-{service_id}-{secret}"),
            sms_template_id: template_id.clone(),
            letter_template_id: Some(letter_id.clone()),
            base_url: notify.url.clone(),
        },
    });
    let outbound = Outbound::from_settings(&settings).expect("notify settings");
    let (hub, staff) = staff_at_hub(&app).await;
    let texted = json!({"phone": "07700 900111", "contact_consent": true});
    let mobile = resident(&app, &staff.token, "Ada Mobile", texted).await;
    let landline =
        resident(&app, &staff.token, "Bob Landline", json!({"phone": "0161 912 2000", "contact_consent": true})).await;
    for buyer in [mobile, landline] {
        let sale = json!({"device_id": app.ready_device(hub), "resident_id": buyer, "payment_method": "cash"});
        json_ok(app.post_json("/api/v1/sales", Some(&staff.token), &sale).await).await;
    }

    // At night the text waits for the morning, without counting as an attempt.
    let claimed = tech4all::worker::deliver_due(&app.pool, &outbound, uk_today_at(21)).expect("deliver");
    assert_eq!(claimed, 2);
    let waiting = messages(&app, &staff.token, mobile).await;
    assert_eq!((waiting[0]["status"].clone(), waiting[0]["attempts"].clone()), (json!("pending"), json!(0)));
    assert!(notify.all().is_empty(), "nothing reached Notify at night");
    let printed = messages(&app, &staff.token, landline).await;
    assert_eq!(
        (printed[0]["channel"].clone(), printed[0]["status"].clone()),
        (json!("print"), json!("to_print")),
        "a landline takes no text"
    );

    // Morning (the test moves the clock by making the deferred notice due now).
    diesel::sql_query("UPDATE outbox SET next_attempt_at = now() WHERE status = 'pending'")
        .execute(&mut app.conn())
        .expect("morning");
    assert_eq!(tech4all::worker::deliver_due(&app.pool, &outbound, uk_today_at(12)).expect("deliver"), 1);
    let sent = messages(&app, &staff.token, mobile).await;
    assert_eq!((sent[0]["status"].clone(), sent[0]["channel"].clone()), (json!("sent"), json!("sms")), "{sent:?}");
    assert_eq!(sent[0]["recipient"], "07700 900111");
    if real.is_some() {
        return;
    }
    let requests = notify.all();
    assert_eq!(requests.len(), 1, "one text, once");
    let body = requests[0].json();
    assert_eq!(body["phone_number"], "07700 900111");
    assert_eq!(body["reference"], sent[0]["id"], "the notice id goes as the reference");
    let text = body["personalisation"]["body"].as_str().expect("body");
    assert!(text.contains("Ada Mobile") && text.contains("receipt"), "{text}");

    // Someone with no email or mobile but a postal address gets a letter through Notify.
    let post = json!({"phone": "0161 912 2000", "contact_consent": true, "postcode": "M32 9ZZ",
                      "address_lines": ["12 Talbot Road", "Stretford"]});
    let post = resident(&app, &staff.token, "Di Post", post).await;
    let sale = json!({"device_id": app.ready_device(hub), "resident_id": post, "payment_method": "cash"});
    json_ok(app.post_json("/api/v1/sales", Some(&staff.token), &sale).await).await;
    assert_eq!(tech4all::worker::deliver_due(&app.pool, &outbound, uk_today_at(12)).expect("deliver"), 1);
    let posted = messages(&app, &staff.token, post).await;
    assert_eq!(
        (posted[0]["channel"].clone(), posted[0]["status"].clone()),
        (json!("letter"), json!("sent")),
        "{posted:?}"
    );
    let letter = notify.all().pop().expect("a letter request");
    assert_eq!(letter.path, "/v2/notifications/letter");
    let personalisation = &letter.json()["personalisation"];
    let lines: Vec<&str> = (1..=4).filter_map(|i| personalisation[format!("address_line_{i}")].as_str()).collect();
    assert_eq!(lines, ["Di Post", "12 Talbot Road", "Stretford", "M32 9ZZ"]);
    assert!(personalisation["body"].as_str().is_some_and(|b| b.contains("receipt")), "{personalisation}");

    // Notify refusing (here: a key it does not know) is a failure kept for retry, with its reason.
    notify.answer_with(notify_checks(service_id, Uuid::now_v7().to_string(), templates));
    let other = json!({"phone": "+44 7700 900222", "contact_consent": true, "postcode": "M33 7XY"});
    let other = resident(&app, &staff.token, "Cy Mobile", other).await;
    let sale = json!({"device_id": app.ready_device(hub), "resident_id": other, "payment_method": "cash"});
    json_ok(app.post_json("/api/v1/sales", Some(&staff.token), &sale).await).await;
    assert_eq!(tech4all::worker::deliver_due(&app.pool, &outbound, uk_today_at(12)).expect("deliver"), 1);
    let latest = messages(&app, &staff.token, other).await.remove(0);
    assert_eq!((latest["status"].clone(), latest["attempts"].clone()), (json!("pending"), json!(1)), "{latest:?}");
    assert!(latest["note"].as_str().is_some_and(|n| n.contains("403")), "{latest:?}");
}

#[actix_web::test]
async fn a_held_device_to_collect_its_deadline_and_ending_data_are_each_told_once() {
    let app = TestApp::spawn().await;
    let (url, inbox) = smtp_server();
    let smtp = smtp_to(&url);
    let d = crate::sims::desk(&app).await;
    let borrower = resident(&app, &d.staff.token, "Bo Borrower", json!({"postcode": "M33 1AA"})).await;
    let contact = json!({"email": "wyn@example.org", "contact_consent": true, "postcode": "M33 2BB"});
    let waiting = resident(&app, &d.staff.token, "Wyn Waiting", contact).await;
    let device = app.ready_device(d.hub);
    let loan = json_ok(crate::loans::lend(&app, &d.staff.token, device, borrower).await).await;
    let hold = json!({"resident_id": waiting, "hub_id": d.hub, "category": "laptop"});
    let hold = json_ok(app.post_json("/api/v1/holds", Some(&d.staff.token), &hold).await).await;
    let back = json!({"condition": "ok", "reset": {"method": "factory_reset", "verified": true}});
    json_ok(crate::loans::action(&app, &d.staff.token, loan["id"].as_str().expect("id"), "return", &back).await).await;

    // The return that reserved the device for the hold queued "ready to collect" with it.
    assert_eq!(drain(&app, &smtp), 1);
    let mail = inbox.all();
    assert!(mail[0].contains("wyn@example.org") && mail[0].contains("is ready to collect"), "{}", mail[0]);

    // The day before the deadline, the pass reminds once however often it runs.
    let path = format!("/api/v1/holds/{}", hold["id"].as_str().expect("id"));
    let until: chrono::DateTime<Utc> = json_ok(app.get(&path, Some(&d.staff.token)).await).await["expires_at"]
        .as_str()
        .expect("until")
        .parse()
        .expect("time");
    let day_before = until - Duration::days(1);
    assert_eq!(tech4all::worker::pass(&app.pool, day_before).expect("pass"), 1);
    assert_eq!(tech4all::worker::pass(&app.pool, until).expect("pass"), 0, "the deadline day adds nothing new");

    // A SIM whose data ends in a week.
    let batch = crate::sims::batch(&app, &d, "physical_sim").await;
    json_ok(crate::sims::stock_up(&app, &d, &batch, &json!([crate::sims::iccid(77)])).await).await;
    let given = json!({"resident_id": waiting, "batch_id": batch});
    let given = json_ok(app.post_json("/api/v1/sim-allocations", Some(&d.staff.token), &given).await).await;
    // This scheme warns ten days ahead (an admin's setting; a week by default).
    let admin = app.admin().await;
    let ahead = json!({"sim_ending_notice_days": 10, "due_soon_notice_days": 3});
    let settings = json_ok(app.patch_json("/api/v1/scheme", Some(&admin.token), Some("*"), &ahead).await).await;
    assert_eq!(
        (settings["sim_ending_notice_days"].clone(), settings["due_soon_notice_days"].clone()),
        (json!(10), json!(3))
    );
    let ends = tech4all::calendar::local_date(Utc::now()) + Duration::days(10);
    let id: Uuid = given["id"].as_str().expect("id").parse().expect("uuid");
    {
        use tech4all::db::schema::sim_allocations;
        diesel::update(sim_allocations::table.find(id))
            .set(sim_allocations::expires_on.eq(ends))
            .execute(&mut app.conn())
            .expect("ends in a week");
    }
    assert_eq!(tech4all::worker::pass(&app.pool, Utc::now()).expect("pass"), 1);
    assert_eq!(tech4all::worker::pass(&app.pool, Utc::now()).expect("pass"), 0);
    assert_eq!(drain(&app, &smtp), 2);
    let mail = inbox.all();
    assert!(mail.iter().any(|m| m.contains("Subject: Collect your laptop from Sale Library")), "{mail:?}");
    let ends = format!("Subject: Your free data ends on {}", ends.format("%-d %B %Y"));
    assert!(mail.iter().any(|m| m.contains(&ends) && m.contains("The O2 SIM")), "{mail:?}");
    let kinds: Vec<Value> = messages(&app, &d.staff.token, waiting).await.iter().map(|m| m["kind"].clone()).collect();
    assert_eq!(kinds, vec![json!("hold_ready"), json!("hold_lapsing"), json!("sim_ending")]);
}
