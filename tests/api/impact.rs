//! The per-device impact ledger, written with the moves that put devices back into use.

use diesel::prelude::*;
use serde_json::json;
use uuid::Uuid;

use tech4all::auth::Role;
use tech4all::db::schema::{impact_factor_sets, impact_factors, impact_ledger};

use crate::helpers::{TestApp, TestUser, assert_problem, json_ok};

/// A refurbished laptop at `hub`, sold by its staff at £60 to a newly registered resident.
async fn sell_one(app: &TestApp, hub: Uuid, staff: &TestUser, buyer: &str) -> Uuid {
    let device = app.ready_device(hub);
    sell(app, staff, device, buyer).await;
    device
}

async fn sell(app: &TestApp, staff: &TestUser, device: Uuid, buyer: &str) {
    let resident = app.resident(&staff.token, buyer).await;
    let body = json!({"device_id": device, "resident_id": resident, "payment_method": "cash"});
    json_ok(app.post_json("/api/v1/sales", Some(&staff.token), &body).await).await;
}

fn entries(app: &TestApp, device: Uuid) -> Vec<(String, i64, i64, String)> {
    impact_ledger::table
        .filter(impact_ledger::device_id.eq(device))
        .select((
            impact_ledger::kind,
            impact_ledger::co2e_saved_g,
            impact_ledger::landfill_saved_g,
            impact_ledger::weight_source,
        ))
        .load(&mut app.conn())
        .expect("reads ledger")
}

#[actix_web::test]
async fn a_sale_records_the_devices_saving_once_whatever_refunds_and_resales_follow() {
    let app = TestApp::spawn().await;
    let hub = app.insert_hub("Sale Library");
    let staff = app.user_with(Role::HubStaff, vec![hub], None).await;
    let device = app.ready_device(hub);
    let resident = app.resident(&staff.token, "First Buyer").await;
    let sale = json_ok(
        app.post_json(
            "/api/v1/sales",
            Some(&staff.token),
            &json!({"device_id": device, "resident_id": resident, "payment_method": "cash"}),
        )
        .await,
    )
    .await;
    // Restart 2021 laptop: 265.32 kg × 0.5 = 132.66 kg CO2e; the device's own 1.6 kg.
    assert_eq!(entries(&app, device), [("reused".to_owned(), 132_660, 1_600, "device".to_owned())]);
    json_ok(
        app.post_json(
            &format!("/api/v1/sales/{}/refund", sale["id"].as_str().expect("id")),
            Some(&staff.token),
            &json!({"reason": "changed mind"}),
        )
        .await,
    )
    .await;
    let reset = json!({"method": "factory_reset", "verified": true});
    json_ok(app.post_json(&format!("/api/v1/devices/{device}/resets"), Some(&staff.token), &reset).await).await;
    let other = app.resident(&staff.token, "Second Buyer").await;
    json_ok(
        app.post_json(
            "/api/v1/sales",
            Some(&staff.token),
            &json!({"device_id": device, "resident_id": other, "payment_method": "cash"}),
        )
        .await,
    )
    .await;
    assert_eq!(entries(&app, device).len(), 1, "refund and resale never count twice");
    let default: Uuid = tech4all::db::schema::schemes::table
        .find(tech4all::ids::SchemeId::FIRST.uuid())
        .select(tech4all::db::schema::schemes::default_factor_set_id)
        .first(&mut app.conn())
        .expect("the scheme's default set");
    let locked: Option<chrono::DateTime<chrono::Utc>> = impact_factor_sets::table
        .find(default)
        .select(impact_factor_sets::locked_at)
        .first(&mut app.conn())
        .expect("default set");
    assert!(locked.is_some(), "a set in use is frozen");
    let change = diesel::update(impact_factors::table.filter(impact_factors::category.eq("laptop")))
        .set(impact_factors::manufacture_co2e_g.eq(1))
        .execute(&mut app.conn());
    assert!(change.is_err(), "the database refuses to change factors already used");
}

#[actix_web::test]
async fn a_loan_counts_once_across_returns_and_re_loans_and_recycling_counts_landfill_only() {
    let app = TestApp::spawn().await;
    let hub = app.insert_hub("Stretford Library");
    let staff = app.user_with(Role::HubStaff, vec![hub], None).await;
    let device = app.ready_device(hub);
    for name in ["Borrower One", "Borrower Two"] {
        let resident = app.resident(&staff.token, name).await;
        let loan = json_ok(
            app.post_json("/api/v1/loans", Some(&staff.token), &json!({"device_id": device, "resident_id": resident}))
                .await,
        )
        .await;
        json_ok(
            app.post_json(
                &format!("/api/v1/loans/{}/return", loan["id"].as_str().expect("id")),
                Some(&staff.token),
                &json!({"condition": "ok", "reset": {"method": "reimage", "verified": true}}),
            )
            .await,
        )
        .await;
    }
    assert_eq!(entries(&app, device).len(), 1);
    assert_eq!(entries(&app, device)[0].0, "reused");

    // A device never reused and recycled: landfill only, at the category average weight.
    let broken = app.ready_device(hub);
    {
        use tech4all::db::schema::devices;
        diesel::update(devices::table.find(broken))
            .set((devices::status.eq("beyond_repair"), devices::weight_g.eq(None::<i32>)))
            .execute(&mut app.conn())
            .expect("breaks");
    }
    let recycler = app.insert_organisation("Recycler");
    let body = json!({"recycler_id": recycler, "waste_transfer_note": "WTN-9", "disposed_on": "2026-11-20"});
    json_ok(app.post_json(&format!("/api/v1/devices/{broken}/recycle"), Some(&staff.token), &body).await).await;
    assert_eq!(entries(&app, broken), [("recycled".to_owned(), 0, 1_830, "category_average".to_owned())]);
}

#[actix_web::test]
async fn the_device_impact_and_the_factor_sets_behind_it_can_be_read() {
    let app = TestApp::spawn().await;
    let hub = app.insert_hub("Altrincham Library");
    let staff = app.user_with(Role::HubStaff, vec![hub], None).await;
    let device = app.ready_device(hub);
    let before = json_ok(app.get(&format!("/api/v1/devices/{device}/impact"), Some(&staff.token)).await).await;
    assert_eq!(before["counted"], false);
    let resident = app.resident(&staff.token, "Impact Buyer").await;
    json_ok(
        app.post_json(
            "/api/v1/sales",
            Some(&staff.token),
            &json!({"device_id": device, "resident_id": resident, "payment_method": "card"}),
        )
        .await,
    )
    .await;
    let after = json_ok(app.get(&format!("/api/v1/devices/{device}/impact"), Some(&staff.token)).await).await;
    assert_eq!((after["counted"].clone(), after["kind"].clone()), (json!(true), json!("reused")));
    assert_eq!((after["co2e_saved_kg"].clone(), after["landfill_saved_kg"].clone()), (json!(132.66), json!(1.6)));

    let reporter = app.user(Role::Reporter).await;
    let sets = json_ok(app.get("/api/v1/impact/factor-sets", Some(&reporter.token)).await).await;
    let items = sets["items"].as_array().expect("items");
    assert_eq!(items.len(), 2);
    let restart = items.iter().find(|s| s["is_default"] == true).expect("a default set");
    assert_eq!(
        (restart["version"].clone(), restart["displacement"].clone(), restart["in_use"].clone()),
        (json!("2021"), json!(0.5), json!(true))
    );
    let laptop =
        restart["factors"].as_array().expect("factors").iter().find(|f| f["category"] == "laptop").expect("laptop");
    assert_eq!((laptop["manufacture_co2e_kg"].clone(), laptop["weight_kg"].clone()), (json!(265.32), json!(1.83)));
    let one = json_ok(
        app.get(&format!("/api/v1/impact/factor-sets/{}", restart["id"].as_str().expect("id")), Some(&reporter.token))
            .await,
    )
    .await;
    assert_eq!(one["name"], restart["name"]);
    assert_eq!(app.get(&format!("/api/v1/devices/{device}/impact"), Some(&reporter.token)).await.status(), 403);
}

#[actix_web::test]
async fn the_sustainability_report_adds_up_the_same_whatever_the_grouping_and_can_ask_what_if() {
    let app = TestApp::spawn().await;
    let hub = app.insert_hub("Old Trafford Pop-up");
    let staff = app.user_with(Role::HubStaff, vec![hub], None).await;
    for name in ["Buyer A", "Buyer B"] {
        sell_one(&app, hub, &staff, name).await;
    }
    let reporter = app.user(Role::Reporter).await;
    let plain = json_ok(app.get("/api/v1/reports/sustainability", Some(&reporter.token)).await).await;
    assert_eq!(
        plain["totals"],
        json!({"devices_reused": 2, "devices_recycled": 0, "co2e_saved_kg": 265.32, "landfill_saved_kg": 3.2})
    );
    for group_by in ["category", "month", "hub,quarter", "donor,month", "ward"] {
        let grouped = json_ok(
            app.get(&format!("/api/v1/reports/sustainability?group_by={group_by}"), Some(&reporter.token)).await,
        )
        .await;
        assert_eq!(grouped["totals"], plain["totals"], "{group_by}");
        let reused: i64 = grouped["groups"]
            .as_array()
            .expect("groups")
            .iter()
            .map(|g| g["devices_reused"].as_i64().expect("n"))
            .sum();
        assert_eq!(reused, 2, "{group_by}");
    }
    let by_hub = json_ok(app.get("/api/v1/reports/sustainability?group_by=hub", Some(&reporter.token)).await).await;
    assert_eq!(by_hub["groups"][0]["hub_id"], hub.to_string());

    // The same two laptops under the ADEME/Boavizta set: 2 × 175 kg × 0.5.
    let what_if = json_ok(
        app.get(
            "/api/v1/reports/sustainability?factor_set=00000000-0000-7000-8000-0000000000a2",
            Some(&reporter.token),
        )
        .await,
    )
    .await;
    assert_eq!(what_if["totals"]["co2e_saved_kg"], 175.0);
    assert_eq!(what_if["totals"]["landfill_saved_kg"], 3.2, "landfill uses the devices' own weights");

    let csv = app
        .client
        .get(app.url("/api/v1/reports/sustainability?group_by=category"))
        .bearer_auth(&reporter.token)
        .header("accept", "text/csv")
        .send()
        .await
        .expect("sent");
    let text = csv.text().await.expect("text");
    assert!(
        text.starts_with(
            "category,devices_reused,devices_recycled,co2e_saved_kg,landfill_saved_kg\nlaptop,2,0,265.320,3.200"
        ),
        "{text}"
    );

    assert_eq!(
        app.get("/api/v1/reports/sustainability?group_by=donor,donor", Some(&reporter.token)).await.status(),
        400
    );
    assert_eq!(
        assert_problem(
            app.get(&format!("/api/v1/reports/sustainability?factor_set={}", Uuid::now_v7()), Some(&reporter.token))
                .await,
            422
        )
        .await["errors"][0]["field"],
        "factor_set"
    );
    let partner = app.user(Role::Partner).await;
    assert_eq!(app.get("/api/v1/reports/sustainability", Some(&partner.token)).await.status(), 403);
}

#[actix_web::test]
async fn a_donor_sees_what_its_devices_became_and_what_they_saved() {
    let app = TestApp::spawn().await;
    let hub = app.insert_hub("Sale Library");
    let staff = app.user_with(Role::HubStaff, vec![hub], None).await;
    let donor = app.insert_organisation("Royal Mail");
    let donation = crate::donations::create_donation(&app, &staff.token, donor, hub).await;
    let donation_id: Uuid = donation["id"].as_str().expect("id").parse().expect("uuid");
    json_ok(
        app.post_json(
            &format!("/api/v1/donations/{donation_id}/devices"),
            Some(&staff.token),
            &json!([{"category": "laptop"}, {"category": "tablet"}]),
        )
        .await,
    )
    .await;
    let sold = app.ready_device(hub);
    {
        use tech4all::db::schema::devices;
        diesel::update(devices::table.find(sold))
            .set(devices::donation_id.eq(donation_id))
            .execute(&mut app.conn())
            .expect("links");
    }
    sell(&app, &staff, sold, "Donor Beneficiary").await;

    let reporter = app.user(Role::Reporter).await;
    let statement =
        json_ok(app.get(&format!("/api/v1/organisations/{donor}/impact"), Some(&reporter.token)).await).await;
    assert_eq!(statement["devices_donated"], 3);
    assert_eq!(statement["outcomes"]["awaiting_refurbishment"], 2);
    assert_eq!(statement["outcomes"]["distributed"], 1);
    assert_eq!((statement["devices_reused"].clone(), statement["co2e_saved_kg"].clone()), (json!(1), json!(132.66)));
    assert_eq!(
        app.get(&format!("/api/v1/organisations/{}/impact", Uuid::now_v7()), Some(&reporter.token)).await.status(),
        404
    );
    let partner = app.user(Role::Partner).await;
    assert_eq!(app.get(&format!("/api/v1/organisations/{donor}/impact"), Some(&partner.token)).await.status(), 403);
}

#[actix_web::test]
async fn the_example_reporting_script_pulls_the_figures() {
    let app = TestApp::spawn().await;
    let hub = app.insert_hub("Partington Community Centre");
    let staff = app.user_with(Role::HubStaff, vec![hub], None).await;
    sell_one(&app, hub, &staff, "Script Buyer").await;
    let (_, email) = app.create_account(Role::Reporter, vec![], None);
    let csv_path = std::env::temp_dir().join(format!("t4a-monthly-{}.csv", Uuid::now_v7().simple()));
    let args = vec![
        format!("{}/examples/sustainability_report.py", env!("CARGO_MANIFEST_DIR")),
        "--base".into(),
        app.address.clone(),
        "--email".into(),
        email,
        "--password".into(),
        crate::helpers::PASSWORD.into(),
        "--csv".into(),
        csv_path.display().to_string(),
    ];
    // Off the runtime thread: the service under test answers on it.
    let output =
        actix_web::rt::task::spawn_blocking(move || std::process::Command::new("python3").args(&args).output())
            .await
            .expect("joins")
            .expect("runs python3");
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(output.status.success(), "{stdout}{}", String::from_utf8_lossy(&output.stderr));
    assert!(stdout.contains("CO2e saved: 132.7 kg"), "{stdout}");
    assert!(stdout.contains("Sold: 1 (takings £60.00, subsidy £140.00); lent: 0; SIMs: 0"), "{stdout}");
    let csv = std::fs::read_to_string(&csv_path).expect("csv written");
    assert!(csv.starts_with("month,devices_reused"), "{csv}");
    let _ = std::fs::remove_file(&csv_path);
}

#[actix_web::test]
async fn the_sustainability_chart_renders_the_months_and_categories() {
    let app = TestApp::spawn().await;
    let hub = app.insert_hub("Lostock Pop-up");
    let staff = app.user_with(Role::HubStaff, vec![hub], None).await;
    sell_one(&app, hub, &staff, "Chart Buyer").await;
    let reporter = app.user(Role::Reporter).await;
    let response = app.get("/api/v1/reports/sustainability.svg", Some(&reporter.token)).await;
    assert_eq!(response.status(), 200);
    assert_eq!(response.headers()["content-type"], "image/svg+xml");
    let svg = response.text().await.expect("text");
    let month = tech4all::calendar::local_date(chrono::Utc::now()).format("%Y-%m").to_string();
    assert!(svg.starts_with("<svg") && svg.contains(&format!("{month} laptop: 132.7 kg")), "{svg}");
}
