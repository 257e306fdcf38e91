//! Subsidised sales, pop-up sessions, the household rule, refunds and receipts.

use diesel::prelude::*;
use serde_json::{Value, json};
use uuid::Uuid;

use tech4all::auth::Role;

use crate::helpers::{TestApp, TestUser, assert_problem, json_ok};

struct Shop {
    hub: Uuid,
    staff: TestUser,
    resident: Uuid,
}

async fn shop(app: &TestApp) -> Shop {
    let hub = app.insert_hub("Old Trafford Pop-up");
    let staff = app.user_with(Role::HubStaff, vec![hub], None).await;
    let resident = app.resident(&staff.token, "Alan Turing").await;
    Shop { hub, staff, resident }
}

async fn sell(app: &TestApp, token: &str, device: Uuid, resident: Uuid, extra: Value) -> reqwest::Response {
    let mut body = json!({"device_id": device, "resident_id": resident, "payment_method": "cash"});
    if let (Some(b), Some(e)) = (body.as_object_mut(), extra.as_object()) {
        b.extend(e.clone());
    }
    app.post_json("/api/v1/sales", Some(token), &body).await
}

fn year() -> i32 {
    use chrono::Datelike;
    chrono::Utc::now().year()
}

#[actix_web::test]
async fn a_ready_device_sells_at_sixty_pounds_with_a_receipt_and_becomes_sold() {
    let app = TestApp::spawn().await;
    let s = shop(&app).await;
    let device = app.ready_device(s.hub);
    let response = sell(&app, &s.staff.token, device, s.resident, json!({})).await;
    assert_eq!(response.status(), 201);
    let sale = json_ok(response).await;
    assert_eq!(sale["price_pence"], 6000);
    assert_eq!(sale["market_value_pence"], 20000);
    assert_eq!(sale["subsidy_pence"], 14000);
    assert_eq!(sale["receipt_number"], format!("S-{}-000001", year()));
    assert_eq!(sale["sold_by"], s.staff.id.to_string());
    assert!(sale.get("name").is_none() && !sale.to_string().contains("Alan Turing"), "no personal data on a sale");
    let device_view = json_ok(app.get(&format!("/api/v1/devices/{device}"), Some(&s.staff.token)).await).await;
    assert_eq!(device_view["status"], "sold");

    let receipt =
        app.get(&format!("/api/v1/sales/{}/receipt", sale["id"].as_str().expect("id")), Some(&s.staff.token)).await;
    assert!(receipt.headers()["content-type"].to_str().expect("ascii").starts_with("text/html"));
    let html = receipt.text().await.expect("text");
    assert!(html.contains(sale["receipt_number"].as_str().expect("receipt")));
    assert!(html.contains("£60.00") && html.contains("Tech4All"));
    assert!(html.contains(device_view["asset_tag"].as_str().expect("tag")));
}

#[actix_web::test]
async fn selling_a_device_that_is_not_ready_sold_unwiped_or_elsewhere_fails_clearly() {
    let app = TestApp::spawn().await;
    let s = shop(&app).await;
    let sold = app.ready_device(s.hub);
    json_ok(sell(&app, &s.staff.token, sold, s.resident, json!({})).await).await;
    let other = app.resident(&s.staff.token, "Other Person").await;
    let problem = assert_problem(sell(&app, &s.staff.token, sold, other, json!({})).await, 409).await;
    assert_eq!(problem["current_status"], "sold");

    // Not ready (and so never wiped): still in refurbishment.
    let unwiped = app.ready_device(s.hub);
    {
        use tech4all::db::schema::{devices, wipe_records};
        let mut conn = app.conn();
        diesel::update(devices::table.find(unwiped))
            .set(devices::status.eq("in_refurbishment"))
            .execute(&mut conn)
            .expect("moves");
        diesel::delete(wipe_records::table.filter(wipe_records::device_id.eq(unwiped)))
            .execute(&mut conn)
            .expect("no wipe");
    }
    let problem = assert_problem(sell(&app, &s.staff.token, unwiped, other, json!({})).await, 409).await;
    assert_eq!(problem["current_status"], "in_refurbishment");

    let elsewhere = app.ready_device(app.insert_hub("Another hub"));
    let problem = assert_problem(sell(&app, &s.staff.token, elsewhere, other, json!({})).await, 422).await;
    assert_eq!(problem["errors"][0]["field"], "device_id");
    let problem =
        assert_problem(sell(&app, &s.staff.token, app.ready_device(s.hub), Uuid::now_v7(), json!({})).await, 422).await;
    assert_eq!(problem["errors"][0]["field"], "resident_id");
    let free_with_price = sell(
        &app,
        &s.staff.token,
        app.ready_device(s.hub),
        other,
        json!({"payment_method": "free", "price_pence": 100}),
    )
    .await;
    assert_problem(free_with_price, 422).await;
}

#[actix_web::test]
async fn twenty_concurrent_sales_of_one_device_make_one_sale() {
    let app = TestApp::spawn().await;
    let s = shop(&app).await;
    let device = app.ready_device(s.hub);
    let mut residents = Vec::new();
    for i in 0..20 {
        residents.push(app.resident(&s.staff.token, &format!("Buyer {i}")).await);
    }
    let attempts = residents.iter().map(|r| sell(&app, &s.staff.token, device, *r, json!({})));
    let statuses: Vec<u16> = futures::future::join_all(attempts).await.iter().map(|r| r.status().as_u16()).collect();
    assert_eq!(statuses.iter().filter(|s| **s == 201).count(), 1, "{statuses:?}");
    assert_eq!(statuses.iter().filter(|s| **s == 409).count(), 19, "{statuses:?}");
    use tech4all::db::schema::sales;
    let count: i64 = sales::table.count().get_result(&mut app.conn()).expect("counts");
    assert_eq!(count, 1);
}

#[actix_web::test]
async fn one_device_per_household_a_year_unless_an_admin_overrides_with_a_reason() {
    let app = TestApp::spawn().await;
    let s = shop(&app).await;
    json_ok(sell(&app, &s.staff.token, app.ready_device(s.hub), s.resident, json!({})).await).await;
    let second = app.ready_device(s.hub);
    let problem = assert_problem(sell(&app, &s.staff.token, second, s.resident, json!({})).await, 409).await;
    assert_eq!(problem["type"], "/problems/household-rule");
    assert_eq!(problem["previous_receipt_number"], format!("S-{}-000001", year()));
    assert_problem(
        sell(&app, &s.staff.token, second, s.resident, json!({"override_reason": "second child at school"})).await,
        403,
    )
    .await;

    let admin = app.admin().await;
    let overridden = json_ok(
        sell(&app, &admin.token, second, s.resident, json!({"override_reason": "second child at school"})).await,
    )
    .await;
    assert_eq!(overridden["household_rule_overridden"], true);
    assert_eq!(overridden["override_reason"], "second child at school");
    assert_eq!(overridden["overridden_by"], admin.id.to_string());
}

#[actix_web::test]
async fn a_refund_within_thirty_days_returns_the_device_and_never_reuses_the_receipt() {
    let app = TestApp::spawn().await;
    let s = shop(&app).await;
    let device = app.ready_device(s.hub);
    let sale = json_ok(sell(&app, &s.staff.token, device, s.resident, json!({})).await).await;
    let id = sale["id"].as_str().expect("id");
    let refunded = json_ok(
        app.post_json(&format!("/api/v1/sales/{id}/refund"), Some(&s.staff.token), &json!({"reason": "changed mind"}))
            .await,
    )
    .await;
    assert_eq!(refunded["refunded"], true);
    assert_eq!(
        json_ok(app.get(&format!("/api/v1/devices/{device}"), Some(&s.staff.token)).await).await["status"],
        "awaiting_reset"
    );
    assert_problem(
        app.post_json(&format!("/api/v1/sales/{id}/refund"), Some(&s.staff.token), &json!({"reason": "again"})).await,
        409,
    )
    .await;
    let reset = json!({"method": "factory_reset", "verified": true});
    json_ok(app.post_json(&format!("/api/v1/devices/{device}/resets"), Some(&s.staff.token), &reset).await).await;

    // The refunded sale no longer counts for the household rule, and the receipt moves on.
    let resale = json_ok(sell(&app, &s.staff.token, device, s.resident, json!({})).await).await;
    assert_eq!(resale["receipt_number"], format!("S-{}-000002", year()));

    // Faulty: back to refurbishment.
    let faulty = json_ok(
        app.post_json(
            &format!("/api/v1/sales/{}/refund", resale["id"].as_str().expect("id")),
            Some(&s.staff.token),
            &json!({"reason": "screen flickers", "faulty": true}),
        )
        .await,
    )
    .await;
    assert_eq!(faulty["refund_faulty"], true);
    assert_eq!(
        json_ok(app.get(&format!("/api/v1/devices/{device}"), Some(&s.staff.token)).await).await["status"],
        "in_refurbishment"
    );

    // Past the window: refused.
    let late = json_ok(sell(&app, &s.staff.token, app.ready_device(s.hub), s.resident, json!({})).await).await;
    {
        use tech4all::db::schema::sales;
        diesel::update(sales::table.filter(sales::receipt_number.eq(late["receipt_number"].as_str().expect("r"))))
            .set(sales::sold_at.eq(chrono::Utc::now() - chrono::Duration::days(31)))
            .execute(&mut app.conn())
            .expect("ages");
    }
    assert_problem(
        app.post_json(
            &format!("/api/v1/sales/{}/refund", late["id"].as_str().expect("id")),
            Some(&s.staff.token),
            &json!({"reason": "late"}),
        )
        .await,
        409,
    )
    .await;
}

#[actix_web::test]
async fn a_pop_up_session_sells_its_set_aside_devices_and_closes_with_a_summary() {
    let app = TestApp::spawn().await;
    let s = shop(&app).await;
    let devices: Vec<Uuid> = (0..3).map(|_| app.ready_device(s.hub)).collect();
    let session = json_ok(
        app.post_json(
            "/api/v1/sales-sessions",
            Some(&s.staff.token),
            &json!({"hub_id": s.hub, "held_on": "2026-11-28", "name": "Partington pop-up", "device_ids": devices}),
        )
        .await,
    )
    .await;
    let sid = session["id"].as_str().expect("id").to_owned();
    assert_eq!(session["set_aside_device_ids"].as_array().map(Vec::len), Some(3));

    // A set-aside device is sold at the session, not over the counter.
    assert_problem(sell(&app, &s.staff.token, devices[0], s.resident, json!({})).await, 409).await;
    json_ok(sell(&app, &s.staff.token, devices[0], s.resident, json!({"session_id": sid})).await).await;
    let second = app.resident(&s.staff.token, "Second Buyer").await;
    json_ok(
        sell(
            &app,
            &s.staff.token,
            devices[1],
            second,
            json!({"session_id": sid, "payment_method": "voucher", "market_value_pence": 18000}),
        )
        .await,
    )
    .await;

    let closed =
        json_ok(app.post_json(&format!("/api/v1/sales-sessions/{sid}/close"), Some(&s.staff.token), &json!({})).await)
            .await;
    assert_eq!(
        closed["summary"],
        json!({"devices_sold": 2, "takings_pence": 12000, "subsidy_pence": 26000, "refunds": 0, "unsold_devices": 1})
    );
    assert_eq!(closed["set_aside_device_ids"], json!([]), "unsold stock goes back to the hub");
    json_ok(sell(&app, &s.staff.token, devices[2], app.resident(&s.staff.token, "Third Buyer").await, json!({})).await)
        .await;
    assert_problem(
        app.post_json(&format!("/api/v1/sales-sessions/{sid}/close"), Some(&s.staff.token), &json!({})).await,
        409,
    )
    .await;
}

#[actix_web::test]
async fn partners_and_reporters_get_no_personal_data_from_any_route() {
    let app = TestApp::spawn().await;
    let s = shop(&app).await;
    let device = app.ready_device(s.hub);
    let named = app.resident(&s.staff.token, "Zebedee Quill").await;
    json_ok(sell(&app, &s.staff.token, device, named, json!({})).await).await;
    let partner = app.user(Role::Partner).await;
    let reporter = app.user(Role::Reporter).await;
    for user in [&partner, &reporter] {
        for (method, path) in tech4all::route_table().list() {
            // The contract's examples are fictional; everything else must not carry this resident.
            if method != "GET" || path == "/api/v1/openapi.yaml" {
                continue;
            }
            let url = path
                .replace("{id}", &device.to_string())
                .replace("{tag}", "T4A-000001")
                .replace("{key_id}", &Uuid::now_v7().to_string());
            let body = app.get(&url, Some(&user.token)).await.text().await.unwrap_or_default();
            assert!(
                !body.contains("Zebedee") && !body.contains("0161 912 2000") && !body.contains("resident@example.org"),
                "{url} leaked"
            );
        }
        assert_problem(app.get("/api/v1/sales", Some(&user.token)).await, 403).await;
    }
}
