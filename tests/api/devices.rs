//! Devices: bulk import, look-ups, scope, descriptive edits, custody moves, history, labels.

use diesel::prelude::*;
use reqwest::Method;
use serde_json::{Value, json};
use uuid::Uuid;

use tech4all::auth::Role;

use crate::donations::create_donation;
use crate::helpers::{TestApp, TestUser, assert_problem, json_ok};

/// A hub, a member of staff there, and a donation received at it.
struct Stock {
    hub: Uuid,
    staff: TestUser,
    donation: String,
}

async fn stock(app: &TestApp) -> Stock {
    let hub = app.insert_hub("Altrincham Library");
    let staff = app.user_with(Role::HubStaff, vec![hub], None).await;
    let donation = create_donation(app, &staff.token, app.insert_organisation("Donor"), hub).await;
    Stock { hub, staff, donation: donation["id"].as_str().expect("id").to_owned() }
}

async fn import_json(app: &TestApp, token: &str, donation: &str, rows: &Value) -> reqwest::Response {
    app.post_json(&format!("/api/v1/donations/{donation}/devices"), Some(token), rows).await
}

async fn import_csv(app: &TestApp, token: &str, donation: &str, csv: &str) -> reqwest::Response {
    app.request(Method::POST, &format!("/api/v1/donations/{donation}/devices"), Some(token))
        .header("content-type", "text/csv")
        .body(csv.to_owned())
        .send()
        .await
        .expect("sent")
}

fn device_count(app: &TestApp) -> i64 {
    use tech4all::db::schema::{device_events, devices};
    let devices: i64 = devices::table.count().get_result(&mut app.conn()).expect("counts");
    let events: i64 = device_events::table.count().get_result(&mut app.conn()).expect("counts");
    assert_eq!(devices, events, "every device has exactly its creation event");
    devices
}

/// Imports one laptop and returns it.
async fn one_device(app: &TestApp, s: &Stock) -> Value {
    let rows = json!([{"serial_number": format!("SN-{}", Uuid::now_v7().simple()), "make": "Dell", "model": "Latitude 5490", "category": "laptop", "weight_kg": 1.6}]);
    let imported = json_ok(import_json(app, &s.staff.token, &s.donation, &rows).await).await;
    let id = imported["devices"][0]["id"].as_str().expect("id").to_owned();
    json_ok(app.get(&format!("/api/v1/devices/{id}"), Some(&s.staff.token)).await).await
}

#[actix_web::test]
async fn a_json_manifest_is_imported_with_fresh_asset_tags() {
    let app = TestApp::spawn().await;
    let s = stock(&app).await;
    let rows = json!([
        {"serial_number": "5CD0001", "make": "HP", "model": "EliteBook 840 G5", "category": "laptop", "ram_gb": 8, "storage_gb": 256, "storage_type": "ssd", "weight_kg": 1.48},
        {"serial_number": "DMPX1", "make": "Apple", "model": "iPad 6th gen", "category": "tablet"},
        {"make": "Huawei", "model": "E5576", "category": "router"}
    ]);
    let response = import_json(&app, &s.staff.token, &s.donation, &rows).await;
    assert_eq!(response.status(), 201);
    let body = json_ok(response).await;
    assert_eq!(body["imported"], 3);
    let tags: Vec<&str> =
        body["devices"].as_array().expect("devices").iter().map(|d| d["asset_tag"].as_str().expect("tag")).collect();
    assert!(tags.iter().all(|t| t.starts_with("T4A-") && t.len() == 10), "{tags:?}");
    let mut unique = tags.clone();
    unique.dedup();
    assert_eq!(unique.len(), 3);

    let first =
        json_ok(app.get(&format!("/api/v1/devices/by-tag/{}", tags[0].to_lowercase()), Some(&s.staff.token)).await)
            .await;
    assert_eq!(first["status"], "received");
    assert_eq!(first["hub_id"], s.hub.to_string());
    assert_eq!(first["weight_kg"], 1.48);
    assert_eq!(first["donation_id"], s.donation.as_str());
    let by_serial = json_ok(app.get("/api/v1/devices?serial_number=5cd0001", Some(&s.staff.token)).await).await;
    assert_eq!(by_serial["items"][0]["asset_tag"], tags[0]);
    let donation = json_ok(app.get(&format!("/api/v1/donations/{}", s.donation), Some(&s.staff.token)).await).await;
    assert_eq!(donation["recorded_device_count"], 3);
}

#[actix_web::test]
async fn a_csv_manifest_with_a_donors_own_columns_is_imported() {
    let app = TestApp::spawn().await;
    let s = stock(&app).await;
    let csv = "Serial No.,Manufacturer,Model,Type,Processor,RAM (GB),Storage,Disk type,OS,Weight (kg),Location\n\
               PF1AB2,Lenovo,ThinkPad T480,Laptop,i5-8350U,8GB,256 GB,SSD,Windows 10,1.58,Cage 3\n\
               R58M12,Samsung,Galaxy A12,Smartphone,,3,32,,Android 11,0.2,Cage 3\n\n";
    let response = import_csv(&app, &s.staff.token, &s.donation, csv).await;
    assert_eq!(response.status(), 201);
    let body = json_ok(response).await;
    assert_eq!(body["imported"], 2);
    assert_eq!(body["ignored_columns"], json!(["Location"]));
    assert_eq!(body["devices"][1]["row"], 3, "rows are CSV line numbers");
    let phone = json_ok(
        app.get(&format!("/api/v1/devices/{}", body["devices"][1]["id"].as_str().expect("id")), Some(&s.staff.token))
            .await,
    )
    .await;
    assert_eq!(phone["category"], "phone");
    assert_eq!(phone["ram_gb"], 3);
}

#[actix_web::test]
async fn a_manifest_with_any_bad_row_stores_nothing_and_lists_every_problem() {
    let app = TestApp::spawn().await;
    let s = stock(&app).await;
    json_ok(
        import_json(
            &app,
            &s.staff.token,
            &s.donation,
            &json!([{"serial_number": "EXISTING1", "make": "Dell", "category": "laptop"}]),
        )
        .await,
    )
    .await;
    let before = device_count(&app);
    let rows = json!([
        {"serial_number": "OK1", "make": "Dell", "category": "laptop"},
        {"serial_number": "OK2", "make": "Dell", "category": "toaster"},
        {"serial_number": "OK3", "make": "Dell", "category": "laptop", "ram_gb": "eight"},
        {"serial_number": "OK1", "make": "DELL", "category": "laptop"},
        {"serial_number": "existing1", "make": "dell", "category": "laptop"},
        {"serial_number": "OK6", "make": "Dell"},
        {"serial_number": "OK7", "make": "Dell", "category": "laptop", "weight_kg": -2},
        {"serial_number": "OK8", "make": "Dell", "category": "laptop", "colour": "grey"}
    ]);
    let problem = assert_problem(import_json(&app, &s.staff.token, &s.donation, &rows).await, 422).await;
    let found: Vec<(u64, String)> = problem["errors"]
        .as_array()
        .expect("errors")
        .iter()
        .map(|e| (e["row"].as_u64().expect("row"), e["field"].as_str().expect("field").to_owned()))
        .collect();
    let expected: Vec<(u64, String)> = [
        (2, "category"),
        (3, "ram_gb"),
        (4, "serial_number"),
        (5, "serial_number"),
        (6, "category"),
        (7, "weight_kg"),
        (8, "colour"),
    ]
    .into_iter()
    .map(|(r, f)| (r, f.to_owned()))
    .collect();
    assert_eq!(found, expected);
    assert_eq!(device_count(&app), before, "nothing was stored");

    let csv = "serial,make,type,ram\nA1,Dell,laptop,lots\nA2,Dell,,8\n";
    let problem = assert_problem(import_csv(&app, &s.staff.token, &s.donation, csv).await, 422).await;
    assert_eq!(problem["errors"][0]["row"], 2);
    assert_eq!(problem["errors"][0]["field"], "ram_gb");
    assert_eq!(problem["errors"][1]["row"], 3);
    assert_eq!(problem["errors"][1]["field"], "category");
    let no_category = "serial,make\nA1,Dell\n";
    assert_problem(import_csv(&app, &s.staff.token, &s.donation, no_category).await, 422).await;
    assert_problem(import_json(&app, &s.staff.token, &s.donation, &json!([])).await, 422).await;
    let too_many: Vec<Value> = (0..10_001).map(|_| json!({"category": "accessory"})).collect();
    assert_problem(import_json(&app, &s.staff.token, &s.donation, &Value::Array(too_many)).await, 422).await;
    let plain = app
        .request(Method::POST, &format!("/api/v1/donations/{}/devices", s.donation), Some(&s.staff.token))
        .header("content-type", "text/plain")
        .body("x")
        .send()
        .await
        .expect("sent");
    assert_problem(plain, 415).await;
    assert_eq!(device_count(&app), before, "still nothing stored");
}

#[actix_web::test]
async fn another_hubs_devices_are_invisible_and_other_roles_see_no_list() {
    let app = TestApp::spawn().await;
    let s = stock(&app).await;
    let device = one_device(&app, &s).await;
    let path = format!("/api/v1/devices/{}", device["id"].as_str().expect("id"));
    let stranger = app.user(Role::HubStaff).await;
    assert_problem(app.get(&path, Some(&stranger.token)).await, 404).await;
    assert_problem(app.get(&format!("{path}/history"), Some(&stranger.token)).await, 404).await;
    assert_problem(app.patch_json(&path, Some(&stranger.token), Some("*"), &json!({"model": "x"})).await, 404).await;
    assert_problem(
        app.post_json(&format!("{path}/mark-lost"), Some(&stranger.token), &json!({"note": "gone"})).await,
        404,
    )
    .await;
    let list = json_ok(app.get("/api/v1/devices", Some(&stranger.token)).await).await;
    assert_eq!(list["items"], json!([]));
    assert_problem(
        app.post_json(
            &format!("/api/v1/donations/{}/devices", s.donation),
            Some(&stranger.token),
            &json!([{"category": "laptop"}]),
        )
        .await,
        404,
    )
    .await;

    let partner = app.user(Role::Partner).await;
    assert_problem(app.get("/api/v1/devices", Some(&partner.token)).await, 403).await;
    assert_problem(app.get(&path, Some(&partner.token)).await, 404).await;
    let reporter = app.user(Role::Reporter).await;
    assert_problem(app.get(&path, Some(&reporter.token)).await, 403).await;
}

#[actix_web::test]
async fn descriptive_fields_change_with_if_match_but_status_never_does() {
    let app = TestApp::spawn().await;
    let s = stock(&app).await;
    let device = one_device(&app, &s).await;
    let path = format!("/api/v1/devices/{}", device["id"].as_str().expect("id"));
    let problem = assert_problem(
        app.patch_json(&path, Some(&s.staff.token), Some("\"1\""), &json!({"status": "ready"})).await,
        422,
    )
    .await;
    assert_eq!(problem["errors"][0]["field"], "status");
    let updated = json_ok(
        app.patch_json(&path, Some(&s.staff.token), Some("\"1\""), &json!({"ram_gb": 16, "grade": "B", "cpu": null}))
            .await,
    )
    .await;
    assert_eq!(
        (updated["ram_gb"].clone(), updated["grade"].clone(), updated["status"].clone()),
        (json!(16), json!("B"), json!("received"))
    );
    assert_problem(app.patch_json(&path, Some(&s.staff.token), Some("\"1\""), &json!({"ram_gb": 32})).await, 412).await;
    let history = json_ok(app.get(&format!("{path}/history"), Some(&s.staff.token)).await).await;
    let last = &history["items"][1];
    assert_eq!(last["kind"], "details_updated");
    assert_eq!(last["details"]["changes"]["ram_gb"], json!({"from": null, "to": 16}));
    assert_eq!(last["actor_id"], s.staff.id.to_string());
}

#[actix_web::test]
async fn a_transfer_is_in_transit_until_the_receiving_hub_confirms_it() {
    let app = TestApp::spawn().await;
    let s = stock(&app).await;
    let device = one_device(&app, &s).await;
    let id = device["id"].as_str().expect("id");
    let destination = app.insert_hub("Sale Library");
    let receiver = app.user_with(Role::HubStaff, vec![destination], None).await;

    let moving = json_ok(
        app.post_json(
            &format!("/api/v1/devices/{id}/transfer"),
            Some(&s.staff.token),
            &json!({"to_hub_id": destination}),
        )
        .await,
    )
    .await;
    assert_eq!(moving["transfer_to_hub_id"], destination.to_string());
    assert_eq!(moving["hub_id"], s.hub.to_string(), "still the origin's until received");
    assert_problem(
        app.post_json(
            &format!("/api/v1/devices/{id}/transfer"),
            Some(&s.staff.token),
            &json!({"to_hub_id": destination}),
        )
        .await,
        409,
    )
    .await;
    // Both ends can see it while it travels; only the destination can receive it.
    assert_eq!(app.get(&format!("/api/v1/devices/{id}"), Some(&receiver.token)).await.status(), 200);
    assert_problem(
        app.post_json(&format!("/api/v1/devices/{id}/receive"), Some(&s.staff.token), &json!({})).await,
        409,
    )
    .await;
    let arrived =
        json_ok(app.post_json(&format!("/api/v1/devices/{id}/receive"), Some(&receiver.token), &json!({})).await).await;
    assert_eq!(arrived["hub_id"], destination.to_string());
    assert_eq!(arrived["transfer_to_hub_id"], Value::Null);
    assert_problem(app.get(&format!("/api/v1/devices/{id}"), Some(&s.staff.token)).await, 404).await;

    let history = json_ok(app.get(&format!("/api/v1/devices/{id}/history"), Some(&receiver.token)).await).await;
    let kinds: Vec<&str> =
        history["items"].as_array().expect("items").iter().map(|e| e["kind"].as_str().expect("kind")).collect();
    assert_eq!(kinds, ["received", "transfer_started", "transfer_received"]);
    assert_eq!(history["items"][2]["from_hub_id"], s.hub.to_string());
    assert_eq!(history["items"][2]["to_hub_id"], destination.to_string());

    let unknown = app
        .post_json(
            &format!("/api/v1/devices/{id}/transfer"),
            Some(&receiver.token),
            &json!({"to_hub_id": Uuid::now_v7()}),
        )
        .await;
    assert_eq!(assert_problem(unknown, 422).await["errors"][0]["field"], "to_hub_id");
}

#[actix_web::test]
async fn an_illegal_move_is_a_409_naming_the_status_and_what_is_allowed() {
    let app = TestApp::spawn().await;
    let s = stock(&app).await;
    let device = one_device(&app, &s).await;
    let path = format!("/api/v1/devices/{}/mark-lost", device["id"].as_str().expect("id"));
    let lost =
        json_ok(app.post_json(&path, Some(&s.staff.token), &json!({"note": "not in the cage at stocktake"})).await)
            .await;
    assert_eq!(lost["status"], "lost");
    assert_eq!(lost["allowed_actions"], json!([]));
    let problem =
        assert_problem(app.post_json(&path, Some(&s.staff.token), &json!({"note": "again"})).await, 409).await;
    assert_eq!(problem["type"], "/problems/illegal-transition");
    assert_eq!(problem["current_status"], "lost");
    assert_eq!(problem["allowed_actions"], json!([]));
    assert_problem(app.post_json(&path, Some(&s.staff.token), &json!({"note": "  "})).await, 422).await;
}

#[actix_web::test]
async fn twenty_concurrent_conflicting_moves_of_one_device_let_exactly_one_through() {
    let app = TestApp::spawn().await;
    let s = stock(&app).await;
    let device = one_device(&app, &s).await;
    let id = device["id"].as_str().expect("id").to_owned();
    let hubs: Vec<Uuid> = (0..10).map(|i| app.insert_hub(&format!("Destination {i}"))).collect();
    // Twenty members of staff each send the device to a different hub at once.
    let bodies: Vec<(String, Value)> =
        (0..20).map(|i| (format!("/api/v1/devices/{id}/transfer"), json!({"to_hub_id": hubs[i % 10]}))).collect();
    let attempts = bodies.iter().map(|(path, body)| app.post_json(path, Some(&s.staff.token), body));
    let statuses: Vec<u16> = futures::future::join_all(attempts).await.iter().map(|r| r.status().as_u16()).collect();
    assert_eq!(statuses.iter().filter(|s| **s == 200).count(), 1, "{statuses:?}");
    assert_eq!(statuses.iter().filter(|s| **s == 409).count(), 19, "{statuses:?}");
    let history = json_ok(app.get(&format!("/api/v1/devices/{id}/history"), Some(&s.staff.token)).await).await;
    assert_eq!(history["items"].as_array().map(Vec::len), Some(2), "creation plus exactly one move");
}

#[actix_web::test]
async fn history_is_append_only_in_the_database_itself() {
    let app = TestApp::spawn().await;
    let s = stock(&app).await;
    one_device(&app, &s).await;
    let mut conn = app.conn();
    for statement in ["UPDATE device_events SET kind = 'forged'", "DELETE FROM device_events", "TRUNCATE device_events"]
    {
        let refused = diesel::sql_query(statement).execute(&mut conn);
        assert!(refused.is_err(), "{statement} must be refused");
    }
    use tech4all::db::schema::device_events;
    let kinds: Vec<String> = device_events::table.select(device_events::kind).load(&mut conn).expect("reads");
    assert_eq!(kinds, ["received"]);
}

#[actix_web::test]
async fn a_label_carries_the_asset_tag_as_text_and_qr_code() {
    let app = TestApp::spawn().await;
    let s = stock(&app).await;
    let device = one_device(&app, &s).await;
    let response = app
        .get(&format!("/api/v1/devices/{}/label.svg", device["id"].as_str().expect("id")), Some(&s.staff.token))
        .await;
    assert_eq!(response.status(), 200);
    assert_eq!(response.headers()["content-type"], "image/svg+xml");
    let svg = response.text().await.expect("text");
    assert!(svg.starts_with("<svg"));
    assert!(svg.contains(device["asset_tag"].as_str().expect("tag")));
    assert!(svg.contains("<path d=\"M0 0h1v1h-1z"), "QR modules are drawn");
    assert!(svg.contains("Dell Latitude 5490"));
}

#[actix_web::test]
async fn devices_can_be_filtered() {
    let app = TestApp::spawn().await;
    let s = stock(&app).await;
    let rows = json!([
        {"serial_number": "F1", "make": "Dell", "model": "Latitude", "category": "laptop"},
        {"serial_number": "F2", "make": "Apple", "model": "iPad", "category": "tablet"}
    ]);
    json_ok(import_json(&app, &s.staff.token, &s.donation, &rows).await).await;
    let count = |v: Value| v["items"].as_array().map(Vec::len).unwrap_or(0);
    assert_eq!(count(json_ok(app.get("/api/v1/devices?category=tablet", Some(&s.staff.token)).await).await), 1);
    assert_eq!(count(json_ok(app.get("/api/v1/devices?q=latit", Some(&s.staff.token)).await).await), 1);
    assert_eq!(count(json_ok(app.get("/api/v1/devices?status=received", Some(&s.staff.token)).await).await), 2);
    assert_eq!(count(json_ok(app.get("/api/v1/devices?status=ready", Some(&s.staff.token)).await).await), 0);
    assert_eq!(
        count(
            json_ok(app.get(&format!("/api/v1/devices?donation_id={}", s.donation), Some(&s.staff.token)).await).await
        ),
        2
    );
    assert_eq!(
        count(json_ok(app.get("/api/v1/devices?updated_since=2999-01-01T00:00:00Z", Some(&s.staff.token)).await).await),
        0
    );
    assert_problem(app.get("/api/v1/devices?status=shiny", Some(&s.staff.token)).await, 400).await;
}
