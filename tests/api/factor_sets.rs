//! Factor sets: what every category saves under the shipped default, adding sets, choosing the
//! default, and removing a set added by mistake.

use diesel::prelude::*;
use serde_json::{Value, json};
use uuid::Uuid;

use tech4all::auth::Role;
use tech4all::db::schema::impact_ledger;

use crate::helpers::{TestApp, TestUser, assert_problem, json_ok};

/// The Restart Project's 2021 category table (shared/impact/restart-2021.csv) worked by hand at
/// displacement 0.5: (category, kg CO2e saved per reuse, average weight in kg).
const RESTART_BY_HAND: &[(&str, f64, f64)] = &[
    ("laptop_small", 110.575, 1.39),
    ("laptop", 132.66, 1.83),
    ("laptop_large", 207.35, 2.53),
    ("desktop", 207.085, 6.69),
    ("monitor_small", 131.28, 3.15),
    ("monitor", 152.44, 3.66),
    ("monitor_large", 171.745, 5.23),
    ("tablet", 57.245, 0.77),
    ("phone", 25.255, 0.15),
    ("printer", 50.345, 12.47),
    ("accessory", 7.97, 0.44),
    // No Restart category for routers and MiFi: counted as a PC accessory.
    ("router", 7.97, 0.44),
];

const CATEGORIES: &[&str] = &[
    "laptop",
    "laptop_small",
    "laptop_large",
    "desktop",
    "tablet",
    "phone",
    "monitor",
    "monitor_small",
    "monitor_large",
    "router",
    "printer",
    "accessory",
];

fn set_body(name: &str, co2e_kg: f64, displacement: f64) -> Value {
    let factors: serde_json::Map<String, Value> = CATEGORIES
        .iter()
        .map(|c| (c.to_string(), json!({"manufacture_co2e_kg": co2e_kg, "weight_kg": 2.0, "reliability": 3})))
        .collect();
    json!({"name": name, "version": "2026", "source": "Test figures", "displacement": displacement, "factors": factors})
}

async fn sell(app: &TestApp, staff: &TestUser, device: Uuid, buyer: &str) {
    let resident = app.resident(&staff.token, buyer).await;
    let body = json!({"device_id": device, "resident_id": resident, "payment_method": "cash"});
    json_ok(app.post_json("/api/v1/sales", Some(&staff.token), &body).await).await;
}

async fn device_impact(app: &TestApp, token: &str, device: Uuid) -> Value {
    json_ok(app.get(&format!("/api/v1/devices/{device}/impact"), Some(token)).await).await
}

#[actix_web::test]
async fn each_category_saves_what_the_restart_table_gives_by_hand() {
    let app = TestApp::spawn().await;
    let hub = app.insert_hub("Sale Library");
    let staff = app.user_with(Role::HubStaff, vec![hub], None).await;
    for (i, (category, co2e_kg, weight_kg)) in RESTART_BY_HAND.iter().enumerate() {
        let device = app.ready_device_of(hub, category, None);
        sell(&app, &staff, device, &format!("Buyer {i}")).await;
        let impact = device_impact(&app, &staff.token, device).await;
        assert_eq!(impact["category"], *category);
        assert_eq!(impact["co2e_saved_kg"].as_f64(), Some(*co2e_kg), "{category}");
        assert_eq!(impact["landfill_saved_kg"].as_f64(), Some(*weight_kg), "{category}");
        assert_eq!(impact["weight_source"], "category_average");
    }
    let reporter = app.user(Role::Reporter).await;
    let report = json_ok(app.get("/api/v1/reports/sustainability", Some(&reporter.token)).await).await;
    let co2e: f64 = RESTART_BY_HAND.iter().map(|r| r.1).sum();
    let landfill: f64 = RESTART_BY_HAND.iter().map(|r| r.2).sum();
    assert_eq!(report["totals"]["devices_reused"], 12);
    assert!((report["totals"]["co2e_saved_kg"].as_f64().expect("kg") - co2e).abs() < 1e-9);
    assert!((report["totals"]["landfill_saved_kg"].as_f64().expect("kg") - landfill).abs() < 1e-9);
}

#[actix_web::test]
async fn an_admin_adds_a_set_and_devices_counted_after_it_becomes_default_use_it() {
    let app = TestApp::spawn().await;
    let admin = app.admin().await;
    let hub = app.insert_hub("Stretford Library");
    let staff = app.user_with(Role::HubStaff, vec![hub], None).await;
    let before = app.ready_device(hub);
    sell(&app, &staff, before, "Early Buyer").await;

    let response =
        app.post_json("/api/v1/impact/factor-sets", Some(&admin.token), &set_body("Local", 300.0, 0.4)).await;
    assert_eq!(response.status(), 201);
    let location = response.headers()["location"].to_str().expect("location").to_owned();
    let set = json_ok(response).await;
    assert_eq!(location, format!("/api/v1/impact/factor-sets/{}", set["id"].as_str().expect("id")));
    assert_eq!(set["displacement"], 0.4);
    assert_eq!(set["is_default"], false);
    assert_eq!(set["in_use"], false);
    assert_eq!(set["factors"].as_array().map(Vec::len), Some(12));

    let chosen = json_ok(app.post_json(&format!("{location}/default"), Some(&admin.token), &json!({})).await).await;
    assert_eq!(chosen["is_default"], true);
    let sets = json_ok(app.get("/api/v1/impact/factor-sets", Some(&staff.token)).await).await;
    let defaults: Vec<&Value> =
        sets["items"].as_array().expect("items").iter().filter(|s| s["is_default"] == true).collect();
    assert_eq!(defaults.len(), 1, "exactly one default");

    let after = app.ready_device(hub);
    sell(&app, &staff, after, "Later Buyer").await;
    let impact = device_impact(&app, &staff.token, after).await;
    assert_eq!(impact["factor_set_id"], set["id"]);
    assert_eq!(impact["co2e_saved_kg"], 120.0, "300 kg × 0.4");
    let earlier = device_impact(&app, &staff.token, before).await;
    assert_eq!(earlier["co2e_saved_kg"], 132.66, "devices already counted keep their set");
    let in_use = json_ok(app.get(&location, Some(&staff.token)).await).await;
    assert_eq!(in_use["in_use"], true);
}

#[actix_web::test]
async fn a_set_must_cover_every_category_and_not_repeat_a_name_and_version() {
    let app = TestApp::spawn().await;
    let admin = app.admin().await;
    let mut partial = set_body("Partial", 100.0, 0.5);
    partial["factors"].as_object_mut().expect("factors").remove("router");
    let problem =
        assert_problem(app.post_json("/api/v1/impact/factor-sets", Some(&admin.token), &partial).await, 422).await;
    assert!(problem["errors"][0]["message"].as_str().expect("message").contains("router"));

    let bad = json!({"name": "Bad", "version": "1", "source": "x", "displacement": 2, "factors": {}});
    let problem =
        assert_problem(app.post_json("/api/v1/impact/factor-sets", Some(&admin.token), &bad).await, 422).await;
    let fields: Vec<&str> =
        problem["errors"].as_array().expect("errors").iter().filter_map(|e| e["field"].as_str()).collect();
    assert!(fields.contains(&"displacement") && fields.contains(&"factors"), "{fields:?}");

    json_ok(app.post_json("/api/v1/impact/factor-sets", Some(&admin.token), &set_body("Twice", 1.0, 0.5)).await).await;
    assert_problem(
        app.post_json("/api/v1/impact/factor-sets", Some(&admin.token), &set_body("Twice", 1.0, 0.5)).await,
        409,
    )
    .await;

    let reporter = app.user(Role::Reporter).await;
    assert_problem(
        app.post_json("/api/v1/impact/factor-sets", Some(&reporter.token), &set_body("Mine", 1.0, 0.5)).await,
        403,
    )
    .await;
}

#[actix_web::test]
async fn only_an_unused_set_that_is_not_the_default_can_be_removed() {
    let app = TestApp::spawn().await;
    let admin = app.admin().await;
    let mistake =
        json_ok(app.post_json("/api/v1/impact/factor-sets", Some(&admin.token), &set_body("Mistake", 1.0, 0.5)).await)
            .await;
    let path = format!("/api/v1/impact/factor-sets/{}", mistake["id"].as_str().expect("id"));
    let removed = app.request(reqwest::Method::DELETE, &path, Some(&admin.token)).send().await.expect("sends");
    assert_eq!(removed.status(), 204);
    assert_problem(app.get(&path, Some(&admin.token)).await, 404).await;

    let sets = json_ok(app.get("/api/v1/impact/factor-sets", Some(&admin.token)).await).await;
    let default = sets["items"].as_array().expect("items").iter().find(|s| s["is_default"] == true).expect("default");
    let default_path = format!("/api/v1/impact/factor-sets/{}", default["id"].as_str().expect("id"));
    let refused = app.request(reqwest::Method::DELETE, &default_path, Some(&admin.token)).send().await.expect("sends");
    assert_problem(refused, 409).await;

    // Counted under the default, then no longer the default: still kept for good.
    let hub = app.insert_hub("Sale Library");
    let staff = app.user_with(Role::HubStaff, vec![hub], None).await;
    let device = app.ready_device(hub);
    sell(&app, &staff, device, "A Buyer").await;
    let other =
        json_ok(app.post_json("/api/v1/impact/factor-sets", Some(&admin.token), &set_body("Next", 1.0, 0.5)).await)
            .await;
    let other_path = format!("/api/v1/impact/factor-sets/{}", other["id"].as_str().expect("id"));
    json_ok(app.post_json(&format!("{other_path}/default"), Some(&admin.token), &json!({})).await).await;
    let refused = app.request(reqwest::Method::DELETE, &default_path, Some(&admin.token)).send().await.expect("sends");
    assert_problem(refused, 409).await;
    let counted: i64 = impact_ledger::table.count().get_result(&mut app.conn()).expect("counts");
    assert_eq!(counted, 1);
}
