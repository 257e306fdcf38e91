//! Loans from library hubs: check-out under concurrency, every refusal, renewals, returns at any
//! hub, damaged returns, holds and the waiting list, due dates in London time, write-offs.

use diesel::prelude::*;
use serde_json::{Value, json};
use uuid::Uuid;

use tech4all::auth::Role;
use tech4all::calendar::{due_on, local_date};

use crate::helpers::{TestApp, TestUser, assert_problem, json_ok};

struct Library {
    hub: Uuid,
    staff: TestUser,
}

async fn library(app: &TestApp) -> Library {
    let hub = app.insert_hub("Stretford Library");
    let staff = app.user_with(Role::HubStaff, vec![hub], None).await;
    Library { hub, staff }
}

pub(crate) async fn lend(app: &TestApp, token: &str, device: Uuid, resident: Uuid) -> reqwest::Response {
    app.post_json("/api/v1/loans", Some(token), &json!({"device_id": device, "resident_id": resident})).await
}

pub(crate) async fn action(app: &TestApp, token: &str, loan: &str, what: &str, body: &Value) -> reqwest::Response {
    app.post_json(&format!("/api/v1/loans/{loan}/{what}"), Some(token), body).await
}

fn set_due(app: &TestApp, loan: &str, days_from_today: i64) {
    use tech4all::db::schema::loans;
    let id: Uuid = loan.parse().expect("uuid");
    let today = local_date(chrono::Utc::now());
    let due = today + chrono::Duration::days(days_from_today);
    diesel::update(loans::table.find(id)).set(loans::due_on.eq(due)).execute(&mut app.conn()).expect("sets due date");
}

async fn device_status(app: &TestApp, token: &str, device: Uuid) -> Value {
    json_ok(app.get(&format!("/api/v1/devices/{device}"), Some(token)).await).await["status"].clone()
}

#[actix_web::test]
async fn a_loan_is_due_in_three_weeks_of_london_days_and_the_device_goes_on_loan() {
    let app = TestApp::spawn().await;
    let l = library(&app).await;
    let device = app.ready_device(l.hub);
    let resident = app.resident(&l.staff.token, "Borrower").await;
    let response = lend(&app, &l.staff.token, device, resident).await;
    assert_eq!(response.status(), 201);
    let loan = json_ok(response).await;
    assert_eq!(loan["due_on"], due_on(chrono::Utc::now(), 21).to_string());
    assert_eq!(loan["state"], "active");
    assert_eq!(device_status(&app, &l.staff.token, device).await, "on_loan");
}

#[actix_web::test]
async fn fifty_concurrent_check_outs_of_one_device_give_exactly_one_loan() {
    let app = TestApp::spawn().await;
    let l = library(&app).await;
    let device = app.ready_device(l.hub);
    let mut residents = Vec::new();
    for i in 0..50 {
        residents.push(app.resident(&l.staff.token, &format!("Borrower {i}")).await);
    }
    let attempts = residents.iter().map(|r| lend(&app, &l.staff.token, device, *r));
    let statuses: Vec<u16> = futures::future::join_all(attempts).await.iter().map(|r| r.status().as_u16()).collect();
    assert_eq!(statuses.iter().filter(|s| **s == 201).count(), 1, "{statuses:?}");
    assert_eq!(statuses.iter().filter(|s| **s == 409).count(), 49, "{statuses:?}");
    use tech4all::db::schema::loans;
    let count: i64 = loans::table.count().get_result(&mut app.conn()).expect("counts");
    assert_eq!(count, 1);
}

#[actix_web::test]
async fn every_refusal_reason_is_a_409_that_says_why() {
    let app = TestApp::spawn().await;
    let l = library(&app).await;
    let resident = app.resident(&l.staff.token, "One At A Time").await;
    let first = json_ok(lend(&app, &l.staff.token, app.ready_device(l.hub), resident).await).await;
    let second = app.ready_device(l.hub);
    let problem = assert_problem(lend(&app, &l.staff.token, second, resident).await, 409).await;
    assert_eq!(problem["type"], "/problems/loan-limit");

    // Allow two loans at this hub, then an overdue first loan blocks a new one.
    let admin = app.admin().await;
    json_ok(
        app.post_json("/api/v1/loan-rules", Some(&admin.token), &json!({"hub_id": l.hub, "max_active_loans": 2})).await,
    )
    .await;
    set_due(&app, first["id"].as_str().expect("id"), -3);
    let problem = assert_problem(lend(&app, &l.staff.token, second, resident).await, 409).await;
    assert_eq!(problem["type"], "/problems/overdue-loan");

    let other = app.resident(&l.staff.token, "Someone Else").await;
    let on_loan = Uuid::parse_str(first["device_id"].as_str().expect("id")).expect("uuid");
    let problem = assert_problem(lend(&app, &l.staff.token, on_loan, other).await, 409).await;
    assert_eq!(problem["type"], "/problems/illegal-transition");
    assert_eq!(problem["current_status"], "on_loan");

    let long = json!({"device_id": second, "resident_id": other, "due_on": "2027-06-30"});
    assert_problem(app.post_json("/api/v1/loans", Some(&l.staff.token), &long).await, 403).await;
    let course = json_ok(app.post_json("/api/v1/loans", Some(&admin.token), &long).await).await;
    assert_eq!(course["due_on"], "2027-06-30", "an admin may lend for a course");
}

#[actix_web::test]
async fn renewals_stop_at_the_maximum_when_too_overdue_or_when_someone_is_waiting() {
    let app = TestApp::spawn().await;
    let l = library(&app).await;
    let resident = app.resident(&l.staff.token, "Renewer").await;
    let loan = json_ok(lend(&app, &l.staff.token, app.ready_device(l.hub), resident).await).await;
    let id = loan["id"].as_str().expect("id").to_owned();
    let once = json_ok(action(&app, &l.staff.token, &id, "renew", &json!({})).await).await;
    assert_eq!(
        once["due_on"],
        (chrono::NaiveDate::parse_from_str(loan["due_on"].as_str().expect("d"), "%Y-%m-%d").expect("date")
            + chrono::Days::new(21))
        .to_string()
    );
    json_ok(action(&app, &l.staff.token, &id, "renew", &json!({})).await).await;
    let problem = assert_problem(action(&app, &l.staff.token, &id, "renew", &json!({})).await, 409).await;
    assert_eq!(problem["type"], "/problems/renewal-refused");
    assert!(problem["detail"].as_str().expect("detail").contains("maximum"));

    let overdue =
        json_ok(lend(&app, &l.staff.token, app.ready_device(l.hub), app.resident(&l.staff.token, "Late").await).await)
            .await;
    set_due(&app, overdue["id"].as_str().expect("id"), -5);
    let problem = assert_problem(
        action(&app, &l.staff.token, overdue["id"].as_str().expect("id"), "renew", &json!({})).await,
        409,
    )
    .await;
    assert!(problem["detail"].as_str().expect("detail").contains("overdue"));

    let wanted = json_ok(
        lend(&app, &l.staff.token, app.ready_device(l.hub), app.resident(&l.staff.token, "Wanted").await).await,
    )
    .await;
    let waiter = app.resident(&l.staff.token, "Waiting").await;
    let hold = json_ok(
        app.post_json(
            "/api/v1/holds",
            Some(&l.staff.token),
            &json!({"resident_id": waiter, "hub_id": l.hub, "category": "laptop"}),
        )
        .await,
    )
    .await;
    assert_eq!(hold["status"], "waiting");
    let problem = assert_problem(
        action(&app, &l.staff.token, wanted["id"].as_str().expect("id"), "renew", &json!({})).await,
        409,
    )
    .await;
    assert!(problem["detail"].as_str().expect("detail").contains("waiting"));
}

#[actix_web::test]
async fn a_device_returns_at_any_hub_and_a_damaged_one_goes_to_refurbishment() {
    let app = TestApp::spawn().await;
    let l = library(&app).await;
    let other_hub = app.insert_hub("Urmston Library");
    let other_staff = app.user_with(Role::HubStaff, vec![other_hub], None).await;
    let device = app.ready_device(l.hub);
    let loan = json_ok(lend(&app, &l.staff.token, device, app.resident(&l.staff.token, "Traveller").await).await).await;
    let id = loan["id"].as_str().expect("id");
    let returned = json_ok(
        action(&app, &other_staff.token, id, "return", &json!({"condition": "ok", "notes": "all present"})).await,
    )
    .await;
    assert_eq!(returned["state"], "returned");
    assert_eq!(returned["returned_to_hub_id"], other_hub.to_string());
    let view = json_ok(app.get(&format!("/api/v1/devices/{device}"), Some(&other_staff.token)).await).await;
    // Back in good order: held where it came back, waiting for its reset before anyone else has it.
    assert_eq!(
        (view["status"].clone(), view["hub_id"].clone()),
        (json!("awaiting_reset"), json!(other_hub.to_string()))
    );
    let problem =
        assert_problem(action(&app, &other_staff.token, id, "return", &json!({"condition": "ok"})).await, 409).await;
    assert_eq!(problem["type"], "/problems/loan-closed");

    let device = app.ready_device(l.hub);
    let loan = json_ok(lend(&app, &l.staff.token, device, app.resident(&l.staff.token, "Clumsy").await).await).await;
    json_ok(
        action(
            &app,
            &l.staff.token,
            loan["id"].as_str().expect("id"),
            "return",
            &json!({"condition": "damaged", "notes": "cracked screen"}),
        )
        .await,
    )
    .await;
    assert_eq!(device_status(&app, &l.staff.token, device).await, "in_refurbishment");
}

#[actix_web::test]
async fn holds_queue_in_order_reserve_for_the_first_expire_and_pass_to_the_next() {
    let app = TestApp::spawn().await;
    let l = library(&app).await;
    let borrower = app.resident(&l.staff.token, "Current Borrower").await;
    let device = app.ready_device(l.hub);
    let loan = json_ok(lend(&app, &l.staff.token, device, borrower).await).await;
    let first = app.resident(&l.staff.token, "First In Queue").await;
    let second = app.resident(&l.staff.token, "Second In Queue").await;
    let h1 = json_ok(
        app.post_json(
            "/api/v1/holds",
            Some(&l.staff.token),
            &json!({"resident_id": first, "hub_id": l.hub, "category": "laptop"}),
        )
        .await,
    )
    .await;
    let h2 = json_ok(
        app.post_json(
            "/api/v1/holds",
            Some(&l.staff.token),
            &json!({"resident_id": second, "hub_id": l.hub, "category": "laptop"}),
        )
        .await,
    )
    .await;
    assert_problem(
        app.post_json(
            "/api/v1/holds",
            Some(&l.staff.token),
            &json!({"resident_id": first, "hub_id": l.hub, "category": "laptop"}),
        )
        .await,
        409,
    )
    .await;

    json_ok(
        action(
            &app,
            &l.staff.token,
            loan["id"].as_str().expect("id"),
            "return",
            &json!({"condition": "ok", "reset": {"method": "factory_reset", "verified": true}}),
        )
        .await,
    )
    .await;
    assert_eq!(device_status(&app, &l.staff.token, device).await, "reserved");
    let h1_now =
        json_ok(app.get(&format!("/api/v1/holds/{}", h1["id"].as_str().expect("id")), Some(&l.staff.token)).await)
            .await;
    assert_eq!(h1_now["status"], "ready");
    assert_eq!(h1_now["device_id"], device.to_string());
    assert!(h1_now["expires_at"].is_string());
    let problem = assert_problem(lend(&app, &l.staff.token, device, second).await, 409).await;
    assert_eq!(problem["type"], "/problems/reserved");

    // The first does not come: the hold expires and the device passes to the second.
    {
        use tech4all::db::schema::holds;
        let id: Uuid = h1["id"].as_str().expect("id").parse().expect("uuid");
        diesel::update(holds::table.find(id))
            .set(holds::expires_at.eq(chrono::Utc::now() - chrono::Duration::hours(1)))
            .execute(&mut app.conn())
            .expect("ages");
    }
    let queue = json_ok(app.get(&format!("/api/v1/holds?hub_id={}", l.hub), Some(&l.staff.token)).await).await;
    let status_of = |id: &Value| {
        queue["items"].as_array().expect("items").iter().find(|h| h["id"] == *id).map(|h| h["status"].clone())
    };
    assert_eq!(status_of(&h1["id"]), Some(json!("expired")));
    assert_eq!(status_of(&h2["id"]), Some(json!("ready")));
    let collected = json_ok(lend(&app, &l.staff.token, device, second).await).await;
    assert_eq!(collected["resident_id"], second.to_string());
    let h2_now =
        json_ok(app.get(&format!("/api/v1/holds/{}", h2["id"].as_str().expect("id")), Some(&l.staff.token)).await)
            .await;
    assert_eq!(h2_now["status"], "fulfilled");
}

#[actix_web::test]
async fn a_long_overdue_loan_can_be_written_off_and_overdue_lists_come_most_overdue_first() {
    let app = TestApp::spawn().await;
    let l = library(&app).await;
    let a = json_ok(lend(&app, &l.staff.token, app.ready_device(l.hub), app.resident(&l.staff.token, "A").await).await)
        .await;
    let b = json_ok(lend(&app, &l.staff.token, app.ready_device(l.hub), app.resident(&l.staff.token, "B").await).await)
        .await;
    json_ok(lend(&app, &l.staff.token, app.ready_device(l.hub), app.resident(&l.staff.token, "C").await).await).await;
    set_due(&app, a["id"].as_str().expect("id"), -3);
    set_due(&app, b["id"].as_str().expect("id"), -90);
    let overdue = json_ok(app.get("/api/v1/loans?state=overdue", Some(&l.staff.token)).await).await;
    let order: Vec<i64> =
        overdue["items"].as_array().expect("items").iter().map(|l| l["days_overdue"].as_i64().expect("days")).collect();
    assert_eq!(order, [90, 3]);
    let due_soon = json_ok(app.get("/api/v1/loans?due_within_days=30", Some(&l.staff.token)).await).await;
    assert_eq!(due_soon["items"].as_array().map(Vec::len), Some(3));

    assert_problem(action(&app, &l.staff.token, a["id"].as_str().expect("id"), "mark-lost", &json!({})).await, 409)
        .await;
    let lost =
        json_ok(action(&app, &l.staff.token, b["id"].as_str().expect("id"), "mark-lost", &json!({})).await).await;
    assert_eq!(lost["state"], "lost");
    let device: Uuid = b["device_id"].as_str().expect("id").parse().expect("uuid");
    assert_eq!(device_status(&app, &l.staff.token, device).await, "lost");
}
