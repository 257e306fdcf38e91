//! The counter (DESIGN §10): devices sanitised between people. A device given back in good order,
//! or refunded, waits for a reset; the hand-over gate in the database refuses it to anyone else
//! until a reset or a new verified wipe is newer than its last hand-over, whatever the route.

use diesel::prelude::*;
use serde_json::{Value, json};
use uuid::Uuid;

use tech4all::auth::Role;

use crate::helpers::{TestApp, TestUser, assert_problem, json_ok};

struct Counter {
    hub: Uuid,
    staff: TestUser,
}

async fn counter(app: &TestApp) -> Counter {
    let hub = app.insert_hub("Sale Library");
    let staff = app.user_with(Role::HubStaff, vec![hub], None).await;
    Counter { hub, staff }
}

async fn lend(app: &TestApp, token: &str, device: Uuid, resident: Uuid) -> reqwest::Response {
    app.post_json("/api/v1/loans", Some(token), &json!({"device_id": device, "resident_id": resident})).await
}

async fn sell(app: &TestApp, token: &str, device: Uuid, resident: Uuid) -> reqwest::Response {
    let body = json!({"device_id": device, "resident_id": resident, "payment_method": "cash"});
    app.post_json("/api/v1/sales", Some(token), &body).await
}

async fn give_back(app: &TestApp, token: &str, loan: &Value, body: Value) -> reqwest::Response {
    app.post_json(&format!("/api/v1/loans/{}/return", loan["id"].as_str().expect("loan id")), Some(token), &body).await
}

async fn reset(app: &TestApp, token: &str, device: Uuid, body: Value) -> reqwest::Response {
    app.post_json(&format!("/api/v1/devices/{device}/resets"), Some(token), &body).await
}

async fn read_device(app: &TestApp, token: &str, device: Uuid) -> Value {
    json_ok(app.get(&format!("/api/v1/devices/{device}"), Some(token)).await).await
}

async fn history_kinds(app: &TestApp, token: &str, device: Uuid) -> Vec<String> {
    let history = json_ok(app.get(&format!("/api/v1/devices/{device}/history"), Some(token)).await).await;
    history["items"]
        .as_array()
        .expect("items")
        .iter()
        .map(|e| e["kind"].as_str().unwrap_or_default().to_owned())
        .collect()
}

fn reset_count(app: &TestApp, device: Uuid) -> i64 {
    use tech4all::db::schema::device_resets;
    device_resets::table
        .filter(device_resets::device_id.eq(device))
        .count()
        .get_result(&mut app.conn())
        .expect("counts")
}

/// A device lent to someone and given back in good order: awaiting its reset.
async fn returned_device(app: &TestApp, c: &Counter) -> Uuid {
    let device = app.ready_device(c.hub);
    let first = app.resident(&c.staff.token, "First Borrower").await;
    let loan = json_ok(lend(app, &c.staff.token, device, first).await).await;
    json_ok(give_back(app, &c.staff.token, &loan, json!({"condition": "ok"})).await).await;
    device
}

#[actix_web::test]
async fn a_returned_laptop_waits_for_a_reset_and_no_hand_over_route_takes_it_before() {
    let app = TestApp::spawn().await;
    let c = counter(&app).await;
    let device = returned_device(&app, &c).await;
    let seen = read_device(&app, &c.staff.token, device).await;
    assert_eq!(seen["status"], "awaiting_reset");
    assert!(seen["allowed_actions"].as_array().expect("actions").contains(&json!("reset")), "{seen}");
    let next = app.resident(&c.staff.token, "Next Borrower").await;

    // Lending, selling, a pop-up set-aside: each refused, saying what the device is waiting for.
    let problem = assert_problem(lend(&app, &c.staff.token, device, next).await, 409).await;
    assert_eq!(problem["current_status"], "awaiting_reset");
    assert_problem(sell(&app, &c.staff.token, device, next).await, 409).await;
    let session = json!({"hub_id": c.hub, "held_on": "2026-12-12", "name": "Pop-up", "device_ids": [device]});
    assert_problem(app.post_json("/api/v1/sales-sessions", Some(&c.staff.token), &session).await, 409).await;
    // A hold waits: the device is not offered to it.
    let hold = json!({"resident_id": next, "hub_id": c.hub, "category": "laptop"});
    let hold = json_ok(app.post_json("/api/v1/holds", Some(&c.staff.token), &hold).await).await;
    assert_eq!(hold["status"], "waiting");
    // The database's gate holds behind the service: straight to ready is refused.
    {
        use tech4all::db::schema::devices;
        let forced =
            diesel::update(devices::table.find(device)).set(devices::status.eq("ready")).execute(&mut app.conn());
        assert!(format!("{forced:?}").contains("handed over after it was last reset or wiped"), "{forced:?}");
    }

    // An unverified reset is kept as evidence and moves nothing.
    let unverified =
        json_ok(reset(&app, &c.staff.token, device, json!({"method": "factory_reset", "verified": false})).await).await;
    assert_eq!(unverified["device_status"], "awaiting_reset");
    // A verified one makes it ready, and so it goes to the person waiting.
    let response = reset(
        &app,
        &c.staff.token,
        device,
        json!({"method": "reimage", "verified": true, "notes": "Windows 11 image"}),
    )
    .await;
    assert_eq!(response.status(), 201);
    let location = response.headers()["location"].to_str().expect("location").to_owned();
    let done = json_ok(response).await;
    assert_eq!(done["device_status"], "reserved", "offered to the hold");
    assert_eq!(done["recorded_by"], c.staff.id.to_string());
    let read = json_ok(app.get(&location, Some(&c.staff.token)).await).await;
    assert_eq!(read["method"], "reimage");
    assert_eq!(read["notes"], "Windows 11 image");
    let listed = json_ok(app.get(&format!("/api/v1/devices/{device}/resets"), Some(&c.staff.token)).await).await;
    assert_eq!(listed["items"].as_array().map(Vec::len), Some(2));
    json_ok(lend(&app, &c.staff.token, device, next).await).await;
    let kinds = history_kinds(&app, &c.staff.token, device).await;
    let tail: Vec<&str> = kinds.iter().rev().take(5).rev().map(String::as_str).collect();
    assert_eq!(tail, ["returned", "reset_unverified", "reset", "reserved_for_hold", "lent"], "{kinds:?}");
}

#[actix_web::test]
async fn a_return_can_carry_the_reset_done_at_the_counter() {
    let app = TestApp::spawn().await;
    let c = counter(&app).await;
    let device = app.ready_device(c.hub);
    let first = app.resident(&c.staff.token, "First Borrower").await;
    let loan = json_ok(lend(&app, &c.staff.token, device, first).await).await;

    // Refused as a whole: a reset with a damaged return, a reset in the future, an unknown method.
    let damaged = json!({"condition": "damaged", "reset": {"method": "factory_reset", "verified": true}});
    let problem = assert_problem(give_back(&app, &c.staff.token, &loan, damaged).await, 422).await;
    assert_eq!(problem["errors"][0]["field"], "reset");
    let future = (chrono::Utc::now() + chrono::Duration::days(1)).to_rfc3339();
    let later =
        json!({"condition": "ok", "reset": {"method": "factory_reset", "verified": true, "performed_at": future}});
    let problem = assert_problem(give_back(&app, &c.staff.token, &loan, later).await, 422).await;
    assert_eq!(problem["errors"][0]["field"], "reset.performed_at");
    let odd = json!({"condition": "ok", "reset": {"method": "wipe_it", "verified": true}});
    assert_problem(give_back(&app, &c.staff.token, &loan, odd).await, 422).await;
    assert_eq!(read_device(&app, &c.staff.token, device).await["status"], "on_loan", "nothing happened");
    assert_eq!(reset_count(&app, device), 0);

    let with_reset = json!({"condition": "ok", "reset": {"method": "account_removal", "verified": true}});
    json_ok(give_back(&app, &c.staff.token, &loan, with_reset).await).await;
    assert_eq!(read_device(&app, &c.staff.token, device).await["status"], "ready");
    assert_eq!(reset_count(&app, device), 1);
    let kinds = history_kinds(&app, &c.staff.token, device).await;
    assert_eq!(kinds[kinds.len() - 2..], ["returned".to_owned(), "reset".to_owned()]);
    let next = app.resident(&c.staff.token, "Next Borrower").await;
    json_ok(sell(&app, &c.staff.token, device, next).await).await;
}

#[actix_web::test]
async fn a_refund_waits_for_a_reset_unless_faulty_and_a_monitor_needs_none() {
    let app = TestApp::spawn().await;
    let c = counter(&app).await;
    let buyer = app.resident(&c.staff.token, "Buyer").await;
    let laptop = app.ready_device(c.hub);
    let sale = json_ok(sell(&app, &c.staff.token, laptop, buyer).await).await;
    let refund = |id: &str| format!("/api/v1/sales/{id}/refund");
    let sale_id = sale["id"].as_str().expect("id");
    json_ok(app.post_json(&refund(sale_id), Some(&c.staff.token), &json!({"reason": "did not suit"})).await).await;
    assert_eq!(read_device(&app, &c.staff.token, laptop).await["status"], "awaiting_reset");
    json_ok(reset(&app, &c.staff.token, laptop, json!({"method": "factory_reset", "verified": true})).await).await;
    assert_eq!(read_device(&app, &c.staff.token, laptop).await["status"], "ready");

    // Nothing of anyone's is on a monitor: back from a borrower, it is ready at once.
    let monitor = app.ready_device_of(c.hub, "monitor", Some(4000));
    let loan = json_ok(lend(&app, &c.staff.token, monitor, buyer).await).await;
    json_ok(give_back(&app, &c.staff.token, &loan, json!({"condition": "ok"})).await).await;
    assert_eq!(read_device(&app, &c.staff.token, monitor).await["status"], "ready");
    assert_eq!(history_kinds(&app, &c.staff.token, monitor).await.last().map(String::as_str), Some("no_reset_needed"));
}

#[actix_web::test]
async fn a_new_verified_wipe_from_a_partner_also_sanitises_and_an_old_one_does_not() {
    let app = TestApp::spawn().await;
    let c = counter(&app).await;
    let admin = app.admin().await;
    let partner_org = app.insert_organisation("Wipe Partners");
    let partner = app.user_with(Role::Partner, vec![], Some(partner_org)).await;
    let device = returned_device(&app, &c).await;
    // Sent to the partner instead of reset at the counter.
    let job = json!({"device_ids": [device], "refurbisher_id": partner_org});
    let jobs = json_ok(app.post_json("/api/v1/refurbishment-jobs", Some(&admin.token), &job).await).await;
    let job = jobs["items"][0]["id"].as_str().expect("job id").to_owned();
    let url = |what: &str| format!("/api/v1/refurbishment-jobs/{job}/{what}");
    json_ok(app.post_json(&url("start"), Some(&partner.token), &json!({})).await).await;
    let done = json!({"grade": "A", "functional_result": "passed"});
    // The only wipe on record is older than the last loan: refused.
    let problem = assert_problem(app.post_json(&url("complete"), Some(&partner.token), &done).await, 409).await;
    assert_eq!(problem["type"].as_str().map(|t| t.ends_with("/reset-required")), Some(true), "{problem}");
    let wipe = json!({"level": "purge", "method": "nvme_sanitize", "tool": "nwipe", "verified": true,
        "operator_name": "A. Tech", "performed_at": chrono::Utc::now().to_rfc3339()});
    json_ok(app.post_json(&url("wipes"), Some(&partner.token), &wipe).await).await;
    json_ok(app.post_json(&url("complete"), Some(&partner.token), &done).await).await;
    assert_eq!(read_device(&app, &c.staff.token, device).await["status"], "ready");
    let next = app.resident(&c.staff.token, "Next Borrower").await;
    json_ok(lend(&app, &c.staff.token, device, next).await).await;
}

#[actix_web::test]
async fn a_device_that_went_back_to_ready_unsanitised_is_refused_on_every_route_until_reset() {
    // A device returned before resets were kept: ready, but handed over after its last wipe.
    let app = TestApp::spawn().await;
    let c = counter(&app).await;
    let device = app.ready_device(c.hub);
    {
        // As the upgrade's backfill leaves it (the gate's trigger keeps the column otherwise).
        let mut conn = app.conn();
        diesel::sql_query("ALTER TABLE devices DISABLE TRIGGER devices_wipe_gate").execute(&mut conn).expect("owner");
        diesel::sql_query(format!("UPDATE devices SET handed_over_at = now() WHERE id = '{device}'"))
            .execute(&mut conn)
            .expect("as an upgrade leaves it");
        diesel::sql_query("ALTER TABLE devices ENABLE TRIGGER devices_wipe_gate").execute(&mut conn).expect("owner");
        // No column opens the gate: moving the last hand-over back, or the sanitised time on, is ignored
        // or not believed.
        diesel::sql_query(format!(
            "UPDATE devices SET handed_over_at = '2000-01-01', sanitised_at = now() WHERE id = '{device}'"
        ))
        .execute(&mut conn)
        .expect("updates");
        let forced = diesel::sql_query(format!("UPDATE devices SET status = 'reserved' WHERE id = '{device}'"))
            .execute(&mut conn);
        assert!(format!("{forced:?}").contains("handed over after it was last reset or wiped"), "{forced:?}");
        diesel::sql_query(format!(
            "UPDATE devices SET sanitised_at = handed_over_at - interval '1 day' WHERE id = '{device}'"
        ))
        .execute(&mut conn)
        .expect("puts the cached time back");
    }
    let next = app.resident(&c.staff.token, "Next Borrower").await;
    let required = |p: &Value| p["type"].as_str().is_some_and(|t| t.ends_with("/reset-required"));
    let problem = assert_problem(lend(&app, &c.staff.token, device, next).await, 409).await;
    assert!(required(&problem), "{problem}");
    let problem = assert_problem(sell(&app, &c.staff.token, device, next).await, 409).await;
    assert!(required(&problem), "{problem}");
    let session = json!({"hub_id": c.hub, "held_on": "2026-12-12", "name": "Pop-up", "device_ids": [device]});
    let problem =
        assert_problem(app.post_json("/api/v1/sales-sessions", Some(&c.staff.token), &session).await, 409).await;
    assert!(problem.to_string().contains("record a reset first"), "{problem}");
    let hold = json!({"resident_id": next, "hub_id": c.hub, "category": "laptop"});
    let hold = json_ok(app.post_json("/api/v1/holds", Some(&c.staff.token), &hold).await).await;
    assert_eq!(hold["status"], "waiting", "not offered a device carrying someone's data");
    // Reset where it stands; then it goes to the person waiting.
    let done =
        json_ok(reset(&app, &c.staff.token, device, json!({"method": "factory_reset", "verified": true})).await).await;
    assert_eq!(done["device_status"], "ready");
    // Once is enough: a second reset before the next hand-over is refused, not doubled.
    assert_problem(
        reset(&app, &c.staff.token, device, json!({"method": "factory_reset", "verified": true})).await,
        409,
    )
    .await;
    assert_eq!(reset_count(&app, device), 1);
    json_ok(lend(&app, &c.staff.token, device, next).await).await;
}

#[actix_web::test]
async fn resets_refuse_devices_with_a_resident_elsewhere_or_unknown_and_bad_input() {
    let app = TestApp::spawn().await;
    let c = counter(&app).await;
    let device = app.ready_device(c.hub);
    let borrower = app.resident(&c.staff.token, "Borrower").await;
    let loan = json_ok(lend(&app, &c.staff.token, device, borrower).await).await;
    let body = json!({"method": "factory_reset", "verified": true});
    let problem = assert_problem(reset(&app, &c.staff.token, device, body.clone()).await, 409).await;
    assert_eq!(problem["current_status"], "on_loan");

    json_ok(give_back(&app, &c.staff.token, &loan, json!({"condition": "ok"})).await).await;
    let elsewhere = app.user_with(Role::HubStaff, vec![app.insert_hub("Other Library")], None).await;
    assert_problem(reset(&app, &elsewhere.token, device, body.clone()).await, 404).await;
    assert_problem(reset(&app, &c.staff.token, Uuid::now_v7(), body.clone()).await, 404).await;
    for role in [Role::Partner, Role::Reporter] {
        let user = app.user(role).await;
        assert_problem(reset(&app, &user.token, device, body.clone()).await, 403).await;
    }
    let before_loan = json!({"method": "factory_reset", "verified": true,
        "performed_at": (chrono::Utc::now() - chrono::Duration::days(30)).to_rfc3339()});
    let problem = assert_problem(reset(&app, &c.staff.token, device, before_loan).await, 422).await;
    assert_eq!(problem["errors"][0]["field"], "performed_at");
    for bad in [
        json!({"method": "factory_reset"}),
        json!({"method": "factory_reset", "verified": "yes"}),
        json!({"method": "factory_reset", "verified": true, "notes": "x".repeat(2001)}),
        json!({"method": "factory_reset", "verified": true, "extra": 1}),
    ] {
        assert_problem(reset(&app, &c.staff.token, device, bad).await, 422).await;
    }
    assert_eq!(reset_count(&app, device), 0, "nothing recorded by a refusal");
    assert_problem(
        app.get(&format!("/api/v1/devices/{device}/resets/{}", Uuid::now_v7()), Some(&c.staff.token)).await,
        404,
    )
    .await;
    assert_problem(app.get(&format!("/api/v1/devices/{device}/resets"), Some(&elsewhere.token)).await, 404).await;
}

#[actix_web::test]
async fn fifty_concurrent_resets_of_one_device_record_exactly_one() {
    let app = TestApp::spawn().await;
    let c = counter(&app).await;
    let device = returned_device(&app, &c).await;
    let body = json!({"method": "factory_reset", "verified": true});
    let attempts = (0..50).map(|_| reset(&app, &c.staff.token, device, body.clone()));
    let statuses: Vec<u16> = futures::future::join_all(attempts).await.iter().map(|r| r.status().as_u16()).collect();
    assert_eq!(statuses.iter().filter(|s| **s == 201).count(), 1, "{statuses:?}");
    assert_eq!(statuses.iter().filter(|s| **s == 409).count(), 49, "{statuses:?}");
    assert_eq!(reset_count(&app, device), 1);
    assert_eq!(read_device(&app, &c.staff.token, device).await["status"], "ready");
}

fn week(days: &[&str], opens: &str, closes: &str) -> Value {
    Value::Array(days.iter().map(|d| json!({"day": d, "opens": opens, "closes": closes})).collect())
}

fn weekday_name(date: chrono::NaiveDate) -> &'static str {
    use chrono::Datelike;
    ["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"]
        [date.weekday().num_days_from_monday() as usize]
}

#[actix_web::test]
async fn hubs_keep_opening_hours_and_closures_and_show_their_calendar() {
    let app = TestApp::spawn().await;
    let c = counter(&app).await;
    let admin = app.admin().await;
    let hub_url = format!("/api/v1/hubs/{}", c.hub);
    let hub = json_ok(app.get(&hub_url, Some(&admin.token)).await).await;
    assert_eq!(hub["opening_hours"], Value::Null, "none recorded: open every day");
    let etag = format!("\"{}\"", hub["version"]);
    let mut hours = week(&["monday", "tuesday", "thursday", "friday", "saturday"], "09:30", "17:00");
    hours.as_array_mut().expect("array").push(json!({"day": "wednesday", "opens": "09:30", "closes": "13:00"}));
    for bad in [
        json!([{"day": "monday", "opens": "09:00", "closes": "12:00"}, {"day": "monday", "opens": "11:00", "closes": "15:00"}]),
        json!([{"day": "monday", "opens": "17:00", "closes": "09:00"}]),
        json!([{"day": "monday", "opens": "9:00", "closes": "17:00"}]),
        json!([{"day": "mon", "opens": "09:00", "closes": "17:00"}]),
        json!([{"day": "monday", "opens": "09:00", "closes": "17:00", "note": "x"}]),
        json!({"monday": "09:00-17:00"}),
    ] {
        let response = app.patch_json(&hub_url, Some(&admin.token), Some(&etag), &json!({"opening_hours": bad})).await;
        assert_problem(response, 422).await;
    }
    assert_problem(
        app.patch_json(&hub_url, Some(&c.staff.token), Some(&etag), &json!({"opening_hours": hours})).await,
        403,
    )
    .await;
    let updated =
        json_ok(app.patch_json(&hub_url, Some(&admin.token), Some(&etag), &json!({"opening_hours": hours})).await)
            .await;
    assert_eq!(updated["opening_hours"], hours);

    // Christmas for every hub, and a day of this hub's own.
    let christmas = json!({"starts_on": "2026-12-25", "ends_on": "2026-12-26", "reason": "Christmas"});
    assert_problem(app.post_json("/api/v1/closures", Some(&c.staff.token), &christmas).await, 403).await;
    let response = app.post_json("/api/v1/closures", Some(&admin.token), &christmas).await;
    assert_eq!(response.status(), 201);
    let location = response.headers()["location"].to_str().expect("location").to_owned();
    json_ok(response).await;
    assert_eq!(json_ok(app.get(&location, Some(&c.staff.token)).await).await["reason"], "Christmas");
    let own = json!({"hub_id": c.hub, "starts_on": "2026-12-28", "reason": "Stocktake day"});
    json_ok(app.post_json("/api/v1/closures", Some(&admin.token), &own).await).await;
    for bad in [
        json!({"starts_on": "2026-12-28", "ends_on": "2026-12-27", "reason": "Backwards"}),
        json!({"starts_on": "2026-12-28", "reason": ""}),
        json!({"starts_on": "2026-12-28", "ends_on": "2028-01-01", "reason": "Too long"}),
        json!({"starts_on": "28/12/2026", "reason": "Bad date"}),
        json!({"hub_id": Uuid::now_v7(), "starts_on": "2026-12-28", "reason": "Nowhere"}),
    ] {
        assert_problem(app.post_json("/api/v1/closures", Some(&admin.token), &bad).await, 422).await;
    }
    let listed = json_ok(
        app.get(&format!("/api/v1/closures?hub_id={}&from=2026-12-01&to=2026-12-31", c.hub), Some(&c.staff.token))
            .await,
    )
    .await;
    assert_eq!(listed["items"].as_array().map(Vec::len), Some(2));

    let calendar =
        json_ok(app.get(&format!("{hub_url}/calendar?from=2026-12-23&to=2026-12-29"), Some(&c.staff.token)).await)
            .await;
    let days = calendar["days"].as_array().expect("days");
    let open: Vec<bool> = days.iter().map(|d| d["open"].as_bool().expect("open")).collect();
    // Wed 23 (mornings), Thu 24, Fri 25 and Sat 26 closed (Christmas), Sun 27 shut, Mon 28 closed (own), Tue 29.
    assert_eq!(open, [true, true, false, false, false, false, true]);
    assert_eq!(days[0]["hours"], json!([{"opens": "09:30", "closes": "13:00"}]));
    assert_eq!(days[2]["closures"][0]["reason"], "Christmas");
    assert_eq!(days[5]["closures"][0]["reason"], "Stocktake day");
    assert_eq!(days[4]["weekday"], "sunday");
    assert_problem(
        app.get(&format!("{hub_url}/calendar?from=2026-12-23&to=2026-12-01"), Some(&c.staff.token)).await,
        422,
    )
    .await;
    assert_problem(
        app.get(&format!("{hub_url}/calendar?from=2026-01-01&to=2027-06-01"), Some(&c.staff.token)).await,
        422,
    )
    .await;
    assert_problem(app.get(&format!("/api/v1/hubs/{}/calendar", Uuid::now_v7()), Some(&c.staff.token)).await, 404)
        .await;
    let closure_id = listed["items"][1]["id"].as_str().expect("id");
    assert_eq!(
        app.request(reqwest::Method::DELETE, &format!("/api/v1/closures/{closure_id}"), Some(&admin.token))
            .send()
            .await
            .expect("sends")
            .status(),
        204
    );
    assert_problem(
        app.request(reqwest::Method::DELETE, &format!("/api/v1/closures/{closure_id}"), Some(&admin.token))
            .send()
            .await
            .expect("sends"),
        404,
    )
    .await;
}

#[actix_web::test]
async fn due_dates_and_hold_deadlines_move_off_closed_days_and_open_loans_keep_theirs() {
    let app = TestApp::spawn().await;
    let c = counter(&app).await;
    let admin = app.admin().await;
    let now = chrono::Utc::now();
    let due = tech4all::calendar::due_on(now, 21);
    // A loan made before the closure keeps its date.
    let early = app.resident(&c.staff.token, "Early Borrower").await;
    let kept = json_ok(lend(&app, &c.staff.token, app.ready_device(c.hub), early).await).await;
    assert_eq!(kept["due_on"], due.to_string());

    // The hub closes on the due day and the next; the hub is shut on the weekday after too.
    let closure = json!({"hub_id": c.hub, "starts_on": due.to_string(), "ends_on": (due + chrono::Duration::days(1)).to_string(), "reason": "Refit"});
    json_ok(app.post_json("/api/v1/closures", Some(&admin.token), &closure).await).await;
    let shut = weekday_name(due + chrono::Duration::days(2));
    let open_days: Vec<&str> = ["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"]
        .into_iter()
        .filter(|d| *d != shut)
        .collect();
    let hub_url = format!("/api/v1/hubs/{}", c.hub);
    let version = json_ok(app.get(&hub_url, Some(&admin.token)).await).await["version"].clone();
    let etag = format!("\"{version}\"");
    json_ok(
        app.patch_json(
            &hub_url,
            Some(&admin.token),
            Some(&etag),
            &json!({"opening_hours": week(&open_days, "10:00", "16:00")}),
        )
        .await,
    )
    .await;

    let borrower = app.resident(&c.staff.token, "Borrower").await;
    let loan = json_ok(lend(&app, &c.staff.token, app.ready_device(c.hub), borrower).await).await;
    assert_eq!(loan["due_on"], (due + chrono::Duration::days(3)).to_string(), "past the closure and the shut weekday");
    let again =
        json_ok(app.get(&format!("/api/v1/loans/{}", kept["id"].as_str().expect("id")), Some(&c.staff.token)).await)
            .await;
    assert_eq!(again["due_on"], due.to_string(), "an open loan keeps its date");

    // A hold's three days end on a closed day: collected by the end of the next open day.
    let tablet = app.ready_device_of(c.hub, "tablet", Some(500));
    let tablet_borrower = app.resident(&c.staff.token, "Tablet Borrower").await;
    let tablet_loan = json_ok(lend(&app, &c.staff.token, tablet, tablet_borrower).await).await;
    let waiter = app.resident(&c.staff.token, "Waiter").await;
    let hold = json!({"resident_id": waiter, "hub_id": c.hub, "category": "tablet"});
    let hold = json_ok(app.post_json("/api/v1/holds", Some(&c.staff.token), &hold).await).await;
    assert_eq!(hold["status"], "waiting");
    let hold_day = tech4all::calendar::local_date(chrono::Utc::now() + chrono::Duration::days(3));
    let closure = json!({"hub_id": c.hub, "starts_on": hold_day.to_string(), "reason": "Training"});
    json_ok(app.post_json("/api/v1/closures", Some(&admin.token), &closure).await).await;
    let span = format!("{hub_url}/calendar?from={hold_day}&to={}", hold_day + chrono::Duration::days(14));
    let calendar = json_ok(app.get(&span, Some(&c.staff.token)).await).await;
    let days = calendar["days"].as_array().expect("days");
    assert_eq!(days[0]["open"], false);
    let next_open =
        days.iter().find(|d| d["open"] == true).expect("an open day")["date"].as_str().expect("date").to_owned();
    let back = json!({"condition": "ok", "reset": {"method": "factory_reset", "verified": true}});
    json_ok(give_back(&app, &c.staff.token, &tablet_loan, back).await).await;
    let held =
        json_ok(app.get(&format!("/api/v1/holds/{}", hold["id"].as_str().expect("id")), Some(&c.staff.token)).await)
            .await;
    assert_eq!(held["status"], "ready", "{held}");
    let expires: chrono::DateTime<chrono::Utc> =
        held["expires_at"].as_str().expect("expires_at").parse().expect("time");
    assert_eq!(expires, tech4all::calendar::end_of_day(next_open.parse().expect("date")));
}

async fn open_count(app: &TestApp, token: &str, hub: Uuid) -> reqwest::Response {
    app.post_json("/api/v1/stocktakes", Some(token), &json!({"hub_id": hub, "notes": "December count"})).await
}

async fn scan(app: &TestApp, token: &str, count: &str, code: &str) -> reqwest::Response {
    app.post_json(&format!("/api/v1/stocktakes/{count}/scans"), Some(token), &json!({"code": code})).await
}

fn tag_of(app: &TestApp, device: Uuid) -> (String, String) {
    use tech4all::db::schema::devices;
    let (tag, serial): (String, Option<String>) = devices::table
        .find(device)
        .select((devices::asset_tag, devices::serial_number))
        .first(&mut app.conn())
        .expect("device");
    (tag, serial.unwrap_or_default())
}

fn ids(list: &Value) -> Vec<String> {
    let mut ids: Vec<String> =
        list.as_array().expect("list").iter().map(|c| c["device_id"].as_str().expect("id").to_owned()).collect();
    ids.sort();
    ids
}

#[actix_web::test]
async fn a_stocktake_counts_finds_reports_and_closes_with_its_decisions_as_moves() {
    let app = TestApp::spawn().await;
    let c = counter(&app).await;
    let (a, b, lent_meanwhile) = (app.ready_device(c.hub), app.ready_device(c.hub), app.ready_device(c.hub));
    let waiting = returned_device(&app, &c).await;
    let on_loan = app.ready_device(c.hub);
    let borrower = app.resident(&c.staff.token, "Borrower").await;
    json_ok(lend(&app, &c.staff.token, on_loan, borrower).await).await;
    let elsewhere_hub = app.insert_hub("Urmston Library");
    let elsewhere = app.ready_device(elsewhere_hub);

    let response = open_count(&app, &c.staff.token, c.hub).await;
    assert_eq!(response.status(), 201);
    let count = json_ok(response).await;
    let id = count["id"].as_str().expect("id").to_owned();
    assert_eq!(count["counts"]["expected"], 4, "three ready and one awaiting reset; not the one on loan");
    assert_eq!(count["counts"]["not_yet_scanned"], 4);
    assert_problem(open_count(&app, &c.staff.token, c.hub).await, 409).await;

    let (a_tag, _) = tag_of(&app, a);
    let (_, b_serial) = tag_of(&app, b);
    let found = json_ok(scan(&app, &c.staff.token, &id, &a_tag.to_lowercase()).await).await;
    assert_eq!((found["result"].clone(), found["repeated"].clone()), (json!("found"), json!(false)));
    let by_serial = json_ok(scan(&app, &c.staff.token, &id, &b_serial).await).await;
    assert_eq!(by_serial["device"]["device_id"], b.to_string());
    let again =
        json_ok(scan(&app, &c.staff.token, &id, &format!("https://tracker.example/api/v1/devices/{a}")).await).await;
    assert_eq!((again["result"].clone(), again["repeated"].clone()), (json!("found"), json!(true)), "{again}");
    let unknown = json_ok(scan(&app, &c.staff.token, &id, "NO-SUCH-THING").await).await;
    assert_eq!(unknown["result"], "unknown");
    let unexpected = json_ok(scan(&app, &c.staff.token, &id, &tag_of(&app, elsewhere).0).await).await;
    assert_eq!(
        (unexpected["result"].clone(), unexpected["device"]["hub_id"].clone()),
        (json!("unexpected"), json!(elsewhere_hub.to_string()))
    );
    let lent_but_here = json_ok(scan(&app, &c.staff.token, &id, &tag_of(&app, on_loan).0).await).await;
    assert_eq!(
        (lent_but_here["result"].clone(), lent_but_here["device"]["status"].clone()),
        (json!("unexpected"), json!("on_loan"))
    );
    for bad in
        [json!({"code": ""}), json!({"code": "   "}), json!({"code": "x".repeat(201)}), json!({"code": 12}), json!({})]
    {
        assert_problem(app.post_json(&format!("/api/v1/stocktakes/{id}/scans"), Some(&c.staff.token), &bad).await, 422)
            .await;
    }
    // Lent while the count runs: reported as moved, not missing.
    let other = app.resident(&c.staff.token, "Other Borrower").await;
    json_ok(lend(&app, &c.staff.token, lent_meanwhile, other).await).await;

    let seen = json_ok(app.get(&format!("/api/v1/stocktakes/{id}"), Some(&c.staff.token)).await).await;
    assert_eq!(
        seen["counts"],
        json!({"expected": 4, "found": 2, "not_yet_scanned": 1, "missing": 0, "unexpected": 2, "moved": 1, "unknown": 1})
    );
    assert_eq!(ids(&seen["found"]), {
        let mut v = vec![a.to_string(), b.to_string()];
        v.sort();
        v
    });
    assert_eq!(ids(&seen["not_yet_scanned"]), [waiting.to_string()]);
    assert_eq!(ids(&seen["moved"]), [lent_meanwhile.to_string()]);
    assert_eq!(seen["unknown"][0]["code"], "NO-SUCH-THING");

    // Decisions name only devices the count put there; a device on loan is not received.
    let close_url = format!("/api/v1/stocktakes/{id}/close");
    for bad in [
        json!({"mark_lost": [a]}),
        json!({"receive": [on_loan]}),
        json!({"receive": [a]}),
        json!({"mark_lost": [waiting, waiting]}),
    ] {
        assert_problem(app.post_json(&close_url, Some(&c.staff.token), &bad).await, 422).await;
    }
    let decisions = json!({"mark_lost": [waiting], "receive": [elsewhere]});
    let closed = json_ok(app.post_json(&close_url, Some(&c.staff.token), &decisions).await).await;
    assert_eq!(closed["status"], "closed");
    assert_eq!(ids(&closed["missing"]), Vec::<String>::new(), "marked lost, it is no longer here as it was");
    assert_eq!(closed["outcome"], json!({"marked_lost": [waiting], "received": [elsewhere]}));
    assert_eq!(read_device(&app, &c.staff.token, waiting).await["status"], "lost");
    let moved_here = read_device(&app, &c.staff.token, elsewhere).await;
    assert_eq!(moved_here["hub_id"], c.hub.to_string());
    assert_eq!(
        history_kinds(&app, &c.staff.token, elsewhere).await.last().map(String::as_str),
        Some("found_at_stocktake")
    );
    assert_eq!(history_kinds(&app, &c.staff.token, waiting).await.last().map(String::as_str), Some("marked_lost"));
    assert_problem(app.post_json(&close_url, Some(&c.staff.token), &json!({})).await, 409).await;
    assert_problem(scan(&app, &c.staff.token, &id, &a_tag).await, 409).await;
    // A new count may open now the last one is closed.
    json_ok(open_count(&app, &c.staff.token, c.hub).await).await;
    let listed = json_ok(app.get(&format!("/api/v1/stocktakes?hub_id={}", c.hub), Some(&c.staff.token)).await).await;
    assert_eq!(listed["items"].as_array().map(Vec::len), Some(2));
}

#[actix_web::test]
async fn fifty_concurrent_scans_of_fifty_devices_count_exactly_fifty_and_repeats_count_once() {
    let app = TestApp::spawn().await;
    let c = counter(&app).await;
    let devices: Vec<Uuid> = (0..50).map(|_| app.ready_device(c.hub)).collect();
    let count = json_ok(open_count(&app, &c.staff.token, c.hub).await).await;
    let id = count["id"].as_str().expect("id").to_owned();
    let tags: Vec<String> = devices.iter().map(|d| tag_of(&app, *d).0).collect();
    let scans = tags.iter().map(|t| scan(&app, &c.staff.token, &id, t));
    let statuses: Vec<u16> = futures::future::join_all(scans).await.iter().map(|r| r.status().as_u16()).collect();
    assert!(statuses.iter().all(|s| *s == 200), "{statuses:?}");
    // One device scanned 20 times at once, by tag and by serial: still one.
    let serial = tag_of(&app, devices[0]).1;
    let repeats = (0..20).map(|i| scan(&app, &c.staff.token, &id, if i % 2 == 0 { &tags[0] } else { &serial }));
    let repeated = futures::future::join_all(repeats).await;
    assert!(repeated.iter().all(|r| r.status() == 200));
    let seen = json_ok(app.get(&format!("/api/v1/stocktakes/{id}"), Some(&c.staff.token)).await).await;
    assert_eq!((seen["counts"]["found"].clone(), seen["counts"]["not_yet_scanned"].clone()), (json!(50), json!(0)));
    use tech4all::db::schema::stocktake_scans;
    let rows: i64 = stocktake_scans::table.count().get_result(&mut app.conn()).expect("counts");
    assert_eq!(rows, 50, "one row a device, whichever of its codes was scanned and however often");
}

#[actix_web::test]
async fn two_staff_closing_at_once_one_wins_and_strangers_see_nothing() {
    let app = TestApp::spawn().await;
    let c = counter(&app).await;
    let colleague = app.user_with(Role::HubStaff, vec![c.hub], None).await;
    let missing = app.ready_device(c.hub);
    let count = json_ok(open_count(&app, &c.staff.token, c.hub).await).await;
    let id = count["id"].as_str().expect("id").to_owned();
    let body = json!({"mark_lost": [missing]});
    let url = format!("/api/v1/stocktakes/{id}/close");
    let (one, two) = tokio::join!(
        app.post_json(&url, Some(&c.staff.token), &body),
        app.post_json(&url, Some(&colleague.token), &body)
    );
    let mut statuses = [one.status().as_u16(), two.status().as_u16()];
    statuses.sort();
    assert_eq!(statuses, [200, 409]);
    let history = history_kinds(&app, &c.staff.token, missing).await;
    assert_eq!(history.iter().filter(|k| *k == "marked_lost").count(), 1, "{history:?}");

    // Another hub's staff, another hub, an unknown count: nothing to see or do.
    let stranger = app.user_with(Role::HubStaff, vec![app.insert_hub("Other Library")], None).await;
    assert_problem(app.get(&format!("/api/v1/stocktakes/{id}"), Some(&stranger.token)).await, 404).await;
    assert_problem(scan(&app, &stranger.token, &id, "T4A-000001").await, 404).await;
    let problem = assert_problem(open_count(&app, &stranger.token, c.hub).await, 422).await;
    assert_eq!(problem["errors"][0]["field"], "hub_id");
    assert_problem(app.get(&format!("/api/v1/stocktakes/{}", Uuid::now_v7()), Some(&c.staff.token)).await, 404).await;
    let theirs = json_ok(app.get("/api/v1/stocktakes", Some(&stranger.token)).await).await;
    assert_eq!(theirs["items"], json!([]));
    for role in [Role::Partner, Role::Reporter] {
        let user = app.user(role).await;
        assert_problem(open_count(&app, &user.token, c.hub).await, 403).await;
    }
}

#[actix_web::test]
async fn accessories_go_out_with_a_loan_or_sale_and_what_did_not_come_back_is_listed() {
    let app = TestApp::spawn().await;
    let c = counter(&app).await;
    let admin = app.admin().await;
    let kind = |name: &str| json!({"name": name});
    assert_problem(app.post_json("/api/v1/accessory-kinds", Some(&c.staff.token), &kind("Charger")).await, 403).await;
    let charger = json_ok(app.post_json("/api/v1/accessory-kinds", Some(&admin.token), &kind("Charger")).await).await;
    let bag = json_ok(app.post_json("/api/v1/accessory-kinds", Some(&admin.token), &kind("Laptop bag")).await).await;
    let mouse = json_ok(app.post_json("/api/v1/accessory-kinds", Some(&admin.token), &kind("Mouse")).await).await;
    assert_problem(app.post_json("/api/v1/accessory-kinds", Some(&admin.token), &kind(" charger ")).await, 409).await;
    assert_problem(app.post_json("/api/v1/accessory-kinds", Some(&admin.token), &kind("")).await, 422).await;
    let mouse_url = format!("/api/v1/accessory-kinds/{}", mouse["id"].as_str().expect("id"));
    let retired =
        json_ok(app.patch_json(&mouse_url, Some(&admin.token), Some("\"1\""), &json!({"active": false})).await).await;
    assert_eq!(retired["active"], false);
    let kinds = json_ok(app.get("/api/v1/accessory-kinds", Some(&c.staff.token)).await).await;
    assert_eq!(kinds["items"].as_array().map(Vec::len), Some(3));
    let (charger, bag, mouse) = (charger["id"].clone(), bag["id"].clone(), mouse["id"].clone());

    let borrower = app.resident(&c.staff.token, "Borrower").await;
    let device = app.ready_device(c.hub);
    let with = |accessories: Value| json!({"device_id": device, "resident_id": borrower, "accessories": accessories});
    for bad in [
        json!([{"kind_id": mouse, "quantity": 1}]),
        json!([{"kind_id": Uuid::now_v7(), "quantity": 1}]),
        json!([{"kind_id": charger, "quantity": 0}]),
        json!([{"kind_id": charger, "quantity": 1}, {"kind_id": charger, "quantity": 1}]),
    ] {
        assert_problem(app.post_json("/api/v1/loans", Some(&c.staff.token), &with(bad)).await, 422).await;
    }
    assert_eq!(read_device(&app, &c.staff.token, device).await["status"], "ready", "no loan was made");
    let loan = json_ok(
        app.post_json(
            "/api/v1/loans",
            Some(&c.staff.token),
            &with(json!([{"kind_id": charger, "quantity": 1}, {"kind_id": bag, "quantity": 1}])),
        )
        .await,
    )
    .await;
    let loan_id = loan["id"].as_str().expect("id");
    let out = json_ok(app.get(&format!("/api/v1/loans/{loan_id}/accessories"), Some(&c.staff.token)).await).await;
    assert_eq!(out["items"].as_array().map(Vec::len), Some(2));
    assert_eq!(out["items"][0]["returned_quantity"], Value::Null);

    // A bag that never went out cannot come back; the charger comes back, the bag does not.
    let stray = json!({"condition": "ok", "accessories_returned": [{"kind_id": mouse, "quantity": 1}]});
    assert_problem(give_back(&app, &c.staff.token, &loan, stray).await, 422).await;
    let back = json!({"condition": "ok", "accessories_returned": [{"kind_id": charger, "quantity": 1}]});
    json_ok(give_back(&app, &c.staff.token, &loan, back).await).await;
    let outstanding =
        json_ok(app.get(&format!("/api/v1/accessories/outstanding?hub_id={}", c.hub), Some(&c.staff.token)).await)
            .await;
    let items = outstanding["items"].as_array().expect("items");
    assert_eq!(items.len(), 1);
    assert_eq!(items[0]["resident_id"], borrower.to_string());
    assert_eq!(
        items[0]["items"],
        json!([{
            "loan_id": loan_id, "hub_id": c.hub, "kind_id": bag, "name": "Laptop bag", "issued": 1, "returned": 0, "missing": 1,
            "returned_at": items[0]["items"][0]["returned_at"].clone()
        }])
    );

    // A return that says nothing of accessories brought everything back.
    let second = app.ready_device(c.hub);
    let other = app.resident(&c.staff.token, "Tidy Borrower").await;
    let loan = json_ok(
        app.post_json(
            "/api/v1/loans",
            Some(&c.staff.token),
            &json!({"device_id": second, "resident_id": other, "accessories": [{"kind_id": charger, "quantity": 2}]}),
        )
        .await,
    )
    .await;
    json_ok(give_back(&app, &c.staff.token, &loan, json!({"condition": "ok"})).await).await;
    let outstanding = json_ok(app.get("/api/v1/accessories/outstanding", Some(&c.staff.token)).await).await;
    assert_eq!(outstanding["items"].as_array().map(Vec::len), Some(1), "only the bag is out");

    // Sold with a charger.
    let third = app.ready_device(c.hub);
    let buyer = app.resident(&c.staff.token, "Buyer").await;
    let sale = json!({"device_id": third, "resident_id": buyer, "payment_method": "cash", "accessories": [{"kind_id": charger, "quantity": 1}]});
    let sale = json_ok(app.post_json("/api/v1/sales", Some(&c.staff.token), &sale).await).await;
    let with_sale = json_ok(
        app.get(&format!("/api/v1/sales/{}/accessories", sale["id"].as_str().expect("id")), Some(&c.staff.token)).await,
    )
    .await;
    assert_eq!(with_sale["items"][0]["name"], "Charger");

    // Other hubs' staff see none of it.
    let stranger = app.user_with(Role::HubStaff, vec![app.insert_hub("Other Library")], None).await;
    let theirs = json_ok(app.get("/api/v1/accessories/outstanding", Some(&stranger.token)).await).await;
    assert_eq!(theirs["items"], json!([]));
    let named =
        json_ok(app.get(&format!("/api/v1/accessories/outstanding?hub_id={}", c.hub), Some(&stranger.token)).await)
            .await;
    assert_eq!(named["items"], json!([]));
    assert_problem(app.get(&format!("/api/v1/loans/{loan_id}/accessories"), Some(&stranger.token)).await, 404).await;
}

const SIGNED: &str = r#"<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 200 80"><path d="M10 60 C 40 10, 65 10, 95 60" fill="none" stroke="black" stroke-width="2"/></svg>"#;

#[actix_web::test]
async fn agreements_are_versioned_required_when_the_terms_say_so_signed_and_printed() {
    let app = TestApp::spawn().await;
    let c = counter(&app).await;
    let admin = app.admin().await;
    let terms = |body: &str, required: bool| json!({"kind": "loan", "title": "Borrowing a device", "body": body, "required": required});
    assert_problem(app.post_json("/api/v1/agreements", Some(&c.staff.token), &terms("x", false)).await, 403).await;
    assert_problem(app.post_json("/api/v1/agreements", Some(&admin.token), &terms("", false)).await, 422).await;
    let v1 = json_ok(
        app.post_json("/api/v1/agreements", Some(&admin.token), &terms("Bring it back within three weeks.", false))
            .await,
    )
    .await;
    assert_eq!(v1["version"], 1);
    let v2 = json_ok(
        app.post_json(
            "/api/v1/agreements",
            Some(&admin.token),
            &terms("Bring it back.\n\nKeep it <b>dry</b> & safe.", true),
        )
        .await,
    )
    .await;
    assert_eq!(v2["version"], 2);
    let listed = json_ok(app.get("/api/v1/agreements?kind=loan", Some(&c.staff.token)).await).await;
    assert_eq!(listed["items"].as_array().map(Vec::len), Some(2));
    let old =
        json_ok(app.get(&format!("/api/v1/agreements/{}", v1["id"].as_str().expect("id")), Some(&c.staff.token)).await)
            .await;
    assert_eq!(old["body"], "Bring it back within three weeks.", "old versions stay readable");

    let resident = app.resident(&c.staff.token, "Jo O'Brien & Sons").await;
    let device = app.ready_device(c.hub);
    let lend_with = |agreement: Value| json!({"device_id": device, "resident_id": resident, "agreement": agreement});
    // The latest terms require acceptance.
    let problem = assert_problem(lend(&app, &c.staff.token, device, resident).await, 409).await;
    assert!(problem["type"].as_str().is_some_and(|t| t.ends_with("/agreement-required")), "{problem}");
    assert_eq!(problem["terms_version"], 2);
    for (bad, field) in [
        (json!({"method": "typed_name"}), "agreement.typed_name"),
        (json!({"method": "paper", "typed_name": "Jo"}), "agreement.typed_name"),
        (
            json!({"method": "signature", "signature": {"media_type": "image/svg+xml", "data": "<svg xmlns=\"http://www.w3.org/2000/svg\"><script>alert(1)</script></svg>"}}),
            "agreement.signature",
        ),
        (
            json!({"method": "signature", "signature": {"media_type": "image/svg+xml", "data": format!("<svg xmlns=\"http://www.w3.org/2000/svg\"><path d=\"{}\"/></svg>", "M0 0 ".repeat(25_000))}}),
            "agreement.signature",
        ),
        (
            json!({"method": "signature", "signature": {"media_type": "image/png", "data": "aGVsbG8="}}),
            "agreement.signature",
        ),
        (
            json!({"method": "signature", "signature": {"media_type": "image/gif", "data": "R0lGODlh"}}),
            "agreement.signature",
        ),
        (json!({"method": "paper", "terms_id": Uuid::now_v7()}), "agreement.terms_id"),
    ] {
        let problem =
            assert_problem(app.post_json("/api/v1/loans", Some(&c.staff.token), &lend_with(bad.clone())).await, 422)
                .await;
        assert_eq!(problem["errors"][0]["field"], field, "{bad}");
    }
    assert_eq!(read_device(&app, &c.staff.token, device).await["status"], "ready", "nothing was lent");

    let signed = json!({"method": "signature", "signature": {"media_type": "image/svg+xml", "data": SIGNED}});
    let loan = json_ok(app.post_json("/api/v1/loans", Some(&c.staff.token), &lend_with(signed)).await).await;
    let url = format!("/api/v1/loans/{}/agreement", loan["id"].as_str().expect("id"));
    let printed = app.get(&url, Some(&c.staff.token)).await;
    assert_eq!(printed.status(), 200);
    let csp = printed.headers()["content-security-policy"].to_str().expect("csp").to_owned();
    assert!(csp.contains("default-src 'none'"), "{csp}");
    assert_eq!(printed.headers()["cache-control"], "no-store");
    let html = printed.text().await.expect("html");
    assert!(html.contains("Jo O&#39;Brien &amp; Sons") && html.contains("Version 2"), "{html}");
    assert!(html.contains("&lt;b&gt;dry&lt;/b&gt; &amp; safe") && !html.contains("<b>dry"), "{html}");
    assert!(html.contains("data:image/svg+xml;base64,"), "{html}");

    // Another borrower types their name, against the older version.
    json_ok(
        give_back(
            &app,
            &c.staff.token,
            &loan,
            json!({"condition": "ok", "reset": {"method": "factory_reset", "verified": true}}),
        )
        .await,
    )
    .await;
    let second = app.resident(&c.staff.token, "Second Borrower").await;
    let typed = json!({"device_id": device, "resident_id": second, "agreement": {"method": "typed_name", "typed_name": "Second Borrower", "terms_id": v1["id"]}});
    let loan = json_ok(app.post_json("/api/v1/loans", Some(&c.staff.token), &typed).await).await;
    let url = format!("/api/v1/loans/{}/agreement", loan["id"].as_str().expect("id"));
    let html = app.get(&url, Some(&c.staff.token)).await.text().await.expect("html");
    assert!(
        html.contains("Version 1") && html.contains("By typing their name: <strong>Second Borrower</strong>"),
        "{html}"
    );

    // Erasure removes the typed name; that the terms were accepted stays.
    json_ok(app.post_json(&format!("/api/v1/residents/{second}/erase"), Some(&admin.token), &json!({})).await).await;
    let html = app.get(&url, Some(&c.staff.token)).await.text().await.expect("html");
    assert!(!html.contains("Second Borrower") && html.contains("(erased)"), "{html}");
    let export = json_ok(app.get(&format!("/api/v1/residents/{resident}/export"), Some(&admin.token)).await).await;
    assert_eq!(export["agreements"][0]["method"], "signature");

    // No sale terms are published: a sale needs none, and cannot accept any.
    let buyer = app.resident(&c.staff.token, "Buyer").await;
    let laptop = app.ready_device(c.hub);
    let paper =
        json!({"device_id": laptop, "resident_id": buyer, "payment_method": "cash", "agreement": {"method": "paper"}});
    let problem = assert_problem(app.post_json("/api/v1/sales", Some(&c.staff.token), &paper).await, 422).await;
    assert_eq!(problem["errors"][0]["field"], "agreement.terms_id");
    let sale = json_ok(sell(&app, &c.staff.token, laptop, buyer).await).await;
    assert_problem(
        app.get(&format!("/api/v1/sales/{}/agreement", sale["id"].as_str().expect("id")), Some(&c.staff.token)).await,
        404,
    )
    .await;
    let stranger = app.user_with(Role::HubStaff, vec![app.insert_hub("Other Library")], None).await;
    assert_problem(app.get(&url, Some(&stranger.token)).await, 404).await;
}

#[actix_web::test]
async fn a_renewal_that_would_end_on_a_closed_day_ends_on_the_next_open_one() {
    let app = TestApp::spawn().await;
    let c = counter(&app).await;
    let admin = app.admin().await;
    let borrower = app.resident(&c.staff.token, "Borrower").await;
    let loan = json_ok(lend(&app, &c.staff.token, app.ready_device(c.hub), borrower).await).await;
    let due: chrono::NaiveDate = loan["due_on"].as_str().expect("due_on").parse().expect("date");
    // The default rule renews for 21 days from the due date; the hub is shut that day and the next.
    let renewed = due + chrono::Duration::days(21);
    let closure = json!({"hub_id": c.hub, "starts_on": renewed.to_string(), "ends_on": (renewed + chrono::Duration::days(1)).to_string(), "reason": "Refit"});
    json_ok(app.post_json("/api/v1/closures", Some(&admin.token), &closure).await).await;
    let url = format!("/api/v1/loans/{}/renew", loan["id"].as_str().expect("id"));
    let again = json_ok(app.post_json(&url, Some(&c.staff.token), &json!({})).await).await;
    assert_eq!(again["due_on"], (renewed + chrono::Duration::days(2)).to_string());
}
