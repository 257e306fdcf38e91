//! Input that PostgreSQL cannot store or that only looks right: the NUL character in every way
//! text comes in (body, query, path, CSV, JSON kept as `jsonb`), dates not written `YYYY-MM-DD`,
//! and CSV rows with more or fewer cells than their header. Each is a 4xx naming the place, and
//! nothing is stored.

use diesel::prelude::*;
use reqwest::Method;
use serde_json::{Value, json};
use uuid::Uuid;

use tech4all::auth::Role;

use crate::donations::create_donation;
use crate::helpers::{TestApp, TestUser, assert_problem, json_ok};

struct Counter {
    hub: Uuid,
    staff: TestUser,
}

async fn counter(app: &TestApp) -> Counter {
    let hub = app.insert_hub("Stretford Library");
    let staff = app.user_with(Role::HubStaff, vec![hub], None).await;
    Counter { hub, staff }
}

fn status_of(app: &TestApp, device: Uuid) -> (String, Option<Uuid>) {
    use tech4all::db::schema::devices;
    devices::table
        .find(device)
        .select((devices::status, devices::transfer_to_hub_id))
        .first(&mut app.conn())
        .expect("reads device")
}

fn events_of(app: &TestApp, device: Uuid) -> i64 {
    use tech4all::db::schema::device_events;
    device_events::table
        .filter(device_events::device_id.eq(device))
        .count()
        .get_result(&mut app.conn())
        .expect("counts")
}

async fn field_of_422(response: reqwest::Response) -> (Option<u64>, String, String) {
    let problem = assert_problem(response, 422).await;
    let error = &problem["errors"][0];
    (error["row"].as_u64(), error["field"].as_str().unwrap_or_default().to_owned(), error["message"].to_string())
}

#[actix_web::test]
async fn nul_in_a_note_kept_as_json_is_a_422_naming_the_field_and_moves_nothing() {
    let app = TestApp::spawn().await;
    let c = counter(&app).await;
    let device = app.ready_device(c.hub);
    let other_hub = app.insert_hub("Sale Library");
    let before = events_of(&app, device);

    let transfer = app
        .post_json(
            &format!("/api/v1/devices/{device}/transfer"),
            Some(&c.staff.token),
            &json!({"to_hub_id": other_hub, "note": "a\u{0}b"}),
        )
        .await;
    let (_, field, message) = field_of_422(transfer).await;
    assert_eq!(field, "note");
    assert!(message.contains("NUL"), "{message}");
    let lost = app
        .post_json(&format!("/api/v1/devices/{device}/mark-lost"), Some(&c.staff.token), &json!({"note": "a\u{0}b"}))
        .await;
    assert_eq!(field_of_422(lost).await.1, "note");

    assert_eq!(status_of(&app, device), ("ready".to_owned(), None), "the device did not move");
    assert_eq!(events_of(&app, device), before, "no history was written");
}

#[actix_web::test]
async fn nul_anywhere_in_a_body_is_named_even_in_member_names_and_nested_arrays() {
    let app = TestApp::spawn().await;
    let admin = app.admin().await;
    let nested = app
        .post_json(
            "/api/v1/users",
            Some(&admin.token),
            &json!({"email": "e@example.org", "display_name": "E", "role": "hub_staff", "hub_ids": [Uuid::now_v7()], "x\u{0}": 1}),
        )
        .await;
    assert_eq!(field_of_422(nested).await.1, "x\u{fffd}");
    let hub = app.post_json("/api/v1/hubs", Some(&admin.token), &json!({"name": "Hub\u{0}", "kind": "library"})).await;
    assert_eq!(field_of_422(hub).await.1, "name");
}

#[actix_web::test]
async fn nul_in_a_query_parameter_is_a_400_naming_it_and_in_a_path_a_404() {
    let app = TestApp::spawn().await;
    let c = counter(&app).await;
    let problem =
        assert_problem(app.get("/api/v1/residents?name=Ada%00&postcode=M32", Some(&c.staff.token)).await, 400).await;
    assert_eq!(problem["type"], "/problems/invalid-query");
    assert_eq!(problem["errors"][0]["field"], "name");
    let problem = assert_problem(app.get("/api/v1/devices?q=%00", Some(&c.staff.token)).await, 400).await;
    assert_eq!(problem["errors"][0]["field"], "q");

    for path in ["/api/v1/devices/by-tag/%00", "/api/v1/devices/by-tag/T4A-%0000001"] {
        let problem = assert_problem(app.get(path, Some(&c.staff.token)).await, 404).await;
        assert_eq!(problem["type"], "/problems/not-found", "{path}");
        assert!(problem.get("errors").is_none(), "a tag that cannot exist names no body field: {problem}");
    }
}

async fn upload(app: &TestApp, token: &str, path: &str, csv: &str) -> reqwest::Response {
    app.request(Method::POST, path, Some(token))
        .header("content-type", "text/csv")
        .body(csv.to_owned())
        .send()
        .await
        .expect("sent")
}

fn device_count(app: &TestApp) -> i64 {
    use tech4all::db::schema::devices;
    devices::table.count().get_result(&mut app.conn()).expect("counts")
}

#[actix_web::test]
async fn ragged_or_nul_csv_rows_in_a_manifest_are_row_errors_and_nothing_is_stored() {
    let app = TestApp::spawn().await;
    let c = counter(&app).await;
    let donation = create_donation(&app, &c.staff.token, app.insert_organisation("Donor"), c.hub).await;
    let path = format!("/api/v1/donations/{}/devices", donation["id"].as_str().expect("id"));
    let before = device_count(&app);

    let csv =
        "serial,make,category\nA1,Dell,laptop\nA2,Dell,laptop,spare cell\nA3,Dell\nA4,De\u{0}ll,laptop\nA5,HP,laptop\n";
    let problem = assert_problem(upload(&app, &c.staff.token, &path, csv).await, 422).await;
    let rows: Vec<(u64, &str)> = problem["errors"]
        .as_array()
        .expect("errors")
        .iter()
        .map(|e| (e["row"].as_u64().expect("row"), e["field"].as_str().expect("field")))
        .collect();
    assert_eq!(rows, [(3, "row"), (4, "row"), (5, "make")], "{problem}");
    assert_eq!(problem["errors"][0]["message"], "has 4 cells where the header has 3");
    assert_eq!(device_count(&app), before, "nothing was imported");

    let nul_in_json = json!([{"category": "laptop"}, {"category": "laptop", "make": "\u{0}"}]);
    let (row, field, _) = field_of_422(app.post_json(&path, Some(&c.staff.token), &nul_in_json).await).await;
    assert_eq!((row, field.as_str()), (Some(2), "make"));
    assert_eq!(device_count(&app), before);

    let fine = "serial,make,category\nA1,Dell,laptop\n,,\nA5,HP,laptop\n";
    assert_eq!(json_ok(upload(&app, &c.staff.token, &path, fine).await).await["imported"], 2, "blank rows are skipped");
}

#[actix_web::test]
async fn ragged_rows_in_a_sim_stock_upload_store_nothing() {
    let app = TestApp::spawn().await;
    let c = counter(&app).await;
    let admin = app.admin().await;
    let supplier = app.insert_organisation("National Databank");
    {
        use tech4all::db::schema::organisations;
        diesel::update(organisations::table.find(supplier))
            .set(organisations::roles.eq(vec!["connectivity_supplier".to_owned()]))
            .execute(&mut app.conn())
            .expect("updates");
    }
    let batch = json_ok(
        app.post_json(
            "/api/v1/sim-batches",
            Some(&admin.token),
            &json!({"supplier_id": supplier, "network": "Vodafone", "kind": "data_voucher", "data_gb_per_month": 20, "duration_months": 6, "received_on": "2026-11-01", "hub_id": c.hub}),
        )
        .await,
    )
    .await;
    let path = format!("/api/v1/sim-batches/{}/sims", batch["id"].as_str().expect("id"));
    let problem =
        assert_problem(upload(&app, &admin.token, &path, "voucher_code\nVODA-0001\nVODA-0002,extra\n").await, 422)
            .await;
    assert_eq!((problem["errors"][0]["row"].as_u64(), problem["errors"][0]["field"].as_str()), (Some(3), Some("row")));
    let nul = assert_problem(upload(&app, &admin.token, &path, "voucher_code\nVODA-\u{0}3\n").await, 422).await;
    assert_eq!(nul["errors"][0]["field"], "voucher_code");
    use tech4all::db::schema::sims;
    let stored: i64 = sims::table.count().get_result(&mut app.conn()).expect("counts");
    assert_eq!(stored, 0);
}

/// Every date a request carries, written laxly: each is refused naming the field.
#[actix_web::test]
async fn dates_not_written_yyyy_mm_dd_are_refused_naming_the_field() {
    let app = TestApp::spawn().await;
    let c = counter(&app).await;
    let admin = app.admin().await;
    let donor = app.insert_organisation("Royal Mail");

    let lax = json!({"donor_id": donor, "hub_id": c.hub, "received_on": "2026-1-1"});
    assert_eq!(
        field_of_422(app.post_json("/api/v1/donations", Some(&c.staff.token), &lax).await).await.1,
        "received_on"
    );
    let donation = create_donation(&app, &c.staff.token, donor, c.hub).await;
    let path = format!("/api/v1/donations/{}", donation["id"].as_str().expect("id"));
    let patched = app.patch_json(&path, Some(&c.staff.token), Some("*"), &json!({"received_on": "2026-11-1"})).await;
    assert_eq!(field_of_422(patched).await.1, "received_on");
    assert_eq!(json_ok(app.get(&path, Some(&c.staff.token)).await).await["received_on"], "2026-11-20");

    let resident =
        json!({"name": "Ada", "eligibility": "universal_credit", "eligibility_verified_on": "2026-01-01T00:00:00Z"});
    let response = app.post_json("/api/v1/residents", Some(&c.staff.token), &resident).await;
    assert_eq!(field_of_422(response).await.1, "eligibility_verified_on");
    let id = app.resident(&c.staff.token, "Grace").await;
    let response = app
        .patch_json(
            &format!("/api/v1/residents/{id}"),
            Some(&c.staff.token),
            Some("*"),
            &json!({"eligibility_verified_on": "20261101"}),
        )
        .await;
    assert_eq!(field_of_422(response).await.1, "eligibility_verified_on");

    let session = json!({"hub_id": c.hub, "held_on": "28/11/2026"});
    assert_eq!(
        field_of_422(app.post_json("/api/v1/sales-sessions", Some(&c.staff.token), &session).await).await.1,
        "held_on"
    );
    let batch = json!({"supplier_id": donor, "network": "O2", "kind": "data_voucher", "data_gb_per_month": 20, "duration_months": 6, "received_on": "2026-11-1", "hub_id": c.hub});
    assert_eq!(
        field_of_422(app.post_json("/api/v1/sim-batches", Some(&admin.token), &batch).await).await.1,
        "received_on"
    );

    for (path, field) in [
        ("/api/v1/donations?received_from=2026-1-1", "received_from"),
        ("/api/v1/sales-sessions?held_to=2026-12-1", "held_to"),
        ("/api/v1/reports/sustainability?from=2026-1-01", "from"),
        ("/api/v1/reports/distribution?to=2026-13-01", "to"),
    ] {
        let problem = assert_problem(app.get(path, Some(&admin.token)).await, 400).await;
        assert_eq!(problem["errors"][0]["field"], field, "{path}");
    }
    let fine: Value = json_ok(app.get("/api/v1/donations?received_from=2026-01-01", Some(&admin.token)).await).await;
    assert!(fine["items"].is_array());
}
