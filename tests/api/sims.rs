//! SIM cards and data vouchers: batches, stock imports, allocations, limits, secrets and expiry.

use diesel::prelude::*;
use serde_json::{Value, json};
use uuid::Uuid;

use tech4all::auth::Role;
use tech4all::sims::rules::{expiry, luhn_check_digit};

use crate::helpers::{TestApp, TestUser, assert_problem, json_ok};

pub(crate) struct Desk {
    pub hub: Uuid,
    pub staff: TestUser,
    supplier: Uuid,
}

pub(crate) async fn desk(app: &TestApp) -> Desk {
    let hub = app.insert_hub("Sale Library");
    let staff = app.user_with(Role::HubStaff, vec![hub], None).await;
    let supplier = app.insert_organisation("National Databank");
    {
        use tech4all::db::schema::organisations;
        diesel::update(organisations::table.find(supplier))
            .set(organisations::roles.eq(vec!["connectivity_supplier".to_owned()]))
            .execute(&mut app.conn())
            .expect("updates");
    }
    Desk { hub, staff, supplier }
}

pub(crate) fn iccid(n: u64) -> String {
    let base = format!("89441100{n:010}");
    format!("{base}{}", luhn_check_digit(&base).expect("digit"))
}

pub(crate) async fn batch(app: &TestApp, d: &Desk, kind: &str) -> String {
    let body = json!({"supplier_id": d.supplier, "network": "O2", "kind": kind, "data_gb_per_month": 25, "duration_months": 12, "received_on": "2026-11-01", "hub_id": d.hub, "reference": "NDB-2026-11"});
    let response = app.post_json("/api/v1/sim-batches", Some(&d.staff.token), &body).await;
    assert_eq!(response.status(), 201);
    json_ok(response).await["id"].as_str().expect("id").to_owned()
}

pub(crate) async fn stock_up(app: &TestApp, d: &Desk, batch: &str, items: &Value) -> reqwest::Response {
    app.post_json(&format!("/api/v1/sim-batches/{batch}/sims"), Some(&d.staff.token), items).await
}

fn sim_count(app: &TestApp) -> i64 {
    use tech4all::db::schema::sims;
    sims::table.count().get_result(&mut app.conn()).expect("counts")
}

#[actix_web::test]
async fn iccids_are_luhn_checked_and_duplicates_refused_with_nothing_stored() {
    let app = TestApp::spawn().await;
    let d = desk(&app).await;
    let b = batch(&app, &d, "physical_sim").await;
    json_ok(stock_up(&app, &d, &b, &json!([iccid(1), iccid(2)])).await).await;
    let before = sim_count(&app);
    let mut bad_check = iccid(3);
    let last = bad_check.pop().expect("digit");
    bad_check.push(if last == '9' { '0' } else { char::from(last as u8 + 1) });
    let upload = json!([iccid(4), bad_check, "1234", iccid(4), iccid(1)]);
    let problem = assert_problem(stock_up(&app, &d, &b, &upload).await, 422).await;
    let rows: Vec<(u64, String)> = problem["errors"]
        .as_array()
        .expect("errors")
        .iter()
        .map(|e| (e["row"].as_u64().expect("row"), e["message"].as_str().expect("message").to_owned()))
        .collect();
    assert_eq!(rows.iter().map(|(r, _)| *r).collect::<Vec<_>>(), [2, 3, 4, 5]);
    assert!(rows[0].1.contains("Luhn"));
    assert!(rows[2].1.contains("duplicates row 1"));
    assert!(rows[3].1.contains("already in stock"));
    assert_eq!(sim_count(&app), before, "nothing stored");

    let csv = app
        .request(reqwest::Method::POST, &format!("/api/v1/sim-batches/{b}/sims"), Some(&d.staff.token))
        .header("content-type", "text/csv")
        .body(format!("ICCID\n{}\n{}\n", iccid(10), iccid(11)))
        .send()
        .await
        .expect("sent");
    assert_eq!(json_ok(csv).await["imported"], 2);
}

#[actix_web::test]
async fn voucher_codes_are_unique_per_supplier_and_shown_only_to_whoever_allocates_them() {
    let app = TestApp::spawn().await;
    let d = desk(&app).await;
    let b = batch(&app, &d, "data_voucher").await;
    json_ok(stock_up(&app, &d, &b, &json!(["VODA-AAAA-1111", "VODA-BBBB-2222"])).await).await;
    assert_problem(stock_up(&app, &d, &b, &json!(["VODA-AAAA-1111"])).await, 422).await;

    let resident = app.resident(&d.staff.token, "Voucher Holder").await;
    let response = app
        .post_json("/api/v1/sim-allocations", Some(&d.staff.token), &json!({"resident_id": resident, "batch_id": b}))
        .await;
    assert_eq!(response.status(), 201);
    let allocation = json_ok(response).await;
    let code = allocation["sim"]["voucher_code"].as_str().expect("code").to_owned();
    assert!(code.starts_with("VODA-"), "the allocation response shows the code in full: {code}");
    let path = format!("/api/v1/sim-allocations/{}", allocation["id"].as_str().expect("id"));
    assert_eq!(json_ok(app.get(&path, Some(&d.staff.token)).await).await["sim"]["voucher_code"], code.as_str());

    let colleague = app.user_with(Role::HubStaff, vec![d.hub], None).await;
    let seen = json_ok(app.get(&path, Some(&colleague.token)).await).await;
    assert_eq!(seen["sim"]["voucher_code"], format!("••••{}", &code[code.len() - 4..]));
    let list = json_ok(app.get("/api/v1/sim-allocations", Some(&d.staff.token)).await).await;
    assert!(!list.to_string().contains(&code), "lists mask codes, even for the allocator");
    let admin = app.admin().await;
    let export = json_ok(app.get(&format!("/api/v1/residents/{resident}/export"), Some(&admin.token)).await).await;
    assert_eq!(export["sim_allocations"].as_array().map(Vec::len), Some(1));
    assert!(!export.to_string().contains(&code), "exports mask codes");
}

#[actix_web::test]
async fn one_active_allocation_per_resident_with_a_clear_refusal() {
    let app = TestApp::spawn().await;
    let d = desk(&app).await;
    let b = batch(&app, &d, "physical_sim").await;
    json_ok(stock_up(&app, &d, &b, &json!([iccid(1), iccid(2)])).await).await;
    let resident = app.resident(&d.staff.token, "One Sim").await;
    let first = json_ok(
        app.post_json(
            "/api/v1/sim-allocations",
            Some(&d.staff.token),
            &json!({"resident_id": resident, "network": "o2"}),
        )
        .await,
    )
    .await;
    let today = chrono::Utc::now().date_naive();
    assert_eq!(first["expires_on"], expiry(today, 12).to_string());
    assert_eq!(first["data_gb_per_month"], 25);
    let problem = assert_problem(
        app.post_json(
            "/api/v1/sim-allocations",
            Some(&d.staff.token),
            &json!({"resident_id": resident, "batch_id": b}),
        )
        .await,
        409,
    )
    .await;
    assert_eq!(problem["type"], "/problems/sim-limit");

    // Lost: retired, and replaced in the same step.
    let ended = json_ok(
        app.post_json(
            &format!("/api/v1/sim-allocations/{}/end", first["id"].as_str().expect("id")),
            Some(&d.staff.token),
            &json!({"reason": "lost", "replace": true}),
        )
        .await,
    )
    .await;
    assert_eq!(ended["end_reason"], "lost");
    assert_eq!(ended["sim"]["status"], "retired");
    assert_eq!(ended["replacement"]["replaces_id"], ended["id"]);
    assert_eq!(ended["replacement"]["active"], true);
    assert_problem(
        app.post_json(
            &format!("/api/v1/sim-allocations/{}/end", first["id"].as_str().expect("id")),
            Some(&d.staff.token),
            &json!({"reason": "returned"}),
        )
        .await,
        409,
    )
    .await;

    let stock = json_ok(app.get("/api/v1/sim-stock", Some(&d.staff.token)).await).await;
    assert_eq!(stock["items"][0]["in_stock"], 0);
    assert_eq!(stock["items"][0]["allocated"], 1);
    assert_eq!(stock["items"][0]["retired"], 1);
}

#[actix_web::test]
async fn twenty_concurrent_allocations_of_the_last_sim_give_it_to_exactly_one_resident() {
    let app = TestApp::spawn().await;
    let d = desk(&app).await;
    let b = batch(&app, &d, "physical_sim").await;
    json_ok(stock_up(&app, &d, &b, &json!([iccid(1)])).await).await;
    let sim_id: Uuid = {
        use tech4all::db::schema::sims;
        sims::table.select(sims::id).first(&mut app.conn()).expect("sim")
    };
    let mut residents = Vec::new();
    for i in 0..20 {
        residents.push(app.resident(&d.staff.token, &format!("Claimant {i}")).await);
    }
    let bodies: Vec<Value> = residents
        .iter()
        .enumerate()
        .map(|(i, r)| {
            if i % 2 == 0 {
                json!({"resident_id": r, "sim_id": sim_id})
            } else {
                json!({"resident_id": r, "batch_id": b})
            }
        })
        .collect();
    let attempts = bodies.iter().map(|body| app.post_json("/api/v1/sim-allocations", Some(&d.staff.token), body));
    let statuses: Vec<u16> = futures::future::join_all(attempts).await.iter().map(|r| r.status().as_u16()).collect();
    assert_eq!(statuses.iter().filter(|s| **s == 201).count(), 1, "{statuses:?}");
    assert_eq!(statuses.iter().filter(|s| **s == 409).count(), 19, "{statuses:?}");
}

#[actix_web::test]
async fn next_available_under_concurrency_never_gives_one_sim_to_two_people() {
    let app = TestApp::spawn().await;
    let d = desk(&app).await;
    let b = batch(&app, &d, "physical_sim").await;
    let stock: Vec<String> = (1..=10).map(iccid).collect();
    json_ok(stock_up(&app, &d, &b, &json!(stock)).await).await;
    let mut residents = Vec::new();
    for i in 0..20 {
        residents.push(app.resident(&d.staff.token, &format!("Next {i}")).await);
    }
    let bodies: Vec<Value> = residents.iter().map(|r| json!({"resident_id": r, "batch_id": b})).collect();
    let attempts = bodies.iter().map(|body| app.post_json("/api/v1/sim-allocations", Some(&d.staff.token), body));
    let responses = futures::future::join_all(attempts).await;
    let mut sims = Vec::new();
    let mut refused = 0;
    for response in responses {
        match response.status().as_u16() {
            201 => sims.push(json_ok(response).await["sim"]["id"].as_str().expect("sim").to_owned()),
            409 => refused += 1,
            other => panic!("unexpected {other}"),
        }
    }
    assert_eq!(sims.len(), 10, "every SIM in stock was given out");
    assert_eq!(refused, 10);
    let mut unique = sims.clone();
    unique.sort();
    unique.dedup();
    assert_eq!(unique.len(), sims.len(), "no SIM went to two people");
}

#[actix_web::test]
async fn staff_see_allocations_expiring_soon() {
    let app = TestApp::spawn().await;
    let d = desk(&app).await;
    let b = batch(&app, &d, "physical_sim").await;
    json_ok(stock_up(&app, &d, &b, &json!([iccid(1), iccid(2)])).await).await;
    let soon = app.resident(&d.staff.token, "Soon").await;
    let later = app.resident(&d.staff.token, "Later").await;
    let a = json_ok(
        app.post_json("/api/v1/sim-allocations", Some(&d.staff.token), &json!({"resident_id": soon, "batch_id": b}))
            .await,
    )
    .await;
    json_ok(
        app.post_json("/api/v1/sim-allocations", Some(&d.staff.token), &json!({"resident_id": later, "batch_id": b}))
            .await,
    )
    .await;
    {
        use tech4all::db::schema::sim_allocations;
        let id: Uuid = a["id"].as_str().expect("id").parse().expect("uuid");
        diesel::update(sim_allocations::table.find(id))
            .set(sim_allocations::expires_on.eq(chrono::Utc::now().date_naive() + chrono::Days::new(10)))
            .execute(&mut app.conn())
            .expect("ages");
    }
    let expiring = json_ok(app.get("/api/v1/sim-allocations?expiring_within=30d", Some(&d.staff.token)).await).await;
    assert_eq!(expiring["items"].as_array().map(Vec::len), Some(1));
    assert_eq!(expiring["items"][0]["resident_id"], soon.to_string());
    let stock = json_ok(app.get("/api/v1/sim-stock", Some(&d.staff.token)).await).await;
    assert_eq!(stock["items"][0]["expiring_within_30_days"], 1);
    assert_problem(app.get("/api/v1/sim-allocations?expiring_within=soon", Some(&d.staff.token)).await, 400).await;
}

#[actix_web::test]
async fn a_batch_comes_from_a_connectivity_supplier() {
    let app = TestApp::spawn().await;
    let d = desk(&app).await;
    let donor = app.insert_organisation("Just a donor");
    {
        use tech4all::db::schema::organisations;
        diesel::update(organisations::table.find(donor))
            .set(organisations::roles.eq(vec!["donor".to_owned()]))
            .execute(&mut app.conn())
            .expect("updates");
    }
    let body = json!({"supplier_id": donor, "network": "O2", "kind": "physical_sim", "data_gb_per_month": 25, "duration_months": 12, "received_on": "2026-11-01", "hub_id": d.hub});
    assert_eq!(
        assert_problem(app.post_json("/api/v1/sim-batches", Some(&d.staff.token), &body).await, 409).await["errors"][0]
            ["field"],
        "supplier_id"
    );
    let partner = app.user(Role::Partner).await;
    assert_problem(app.get("/api/v1/sim-stock", Some(&partner.token)).await, 403).await;
}

#[actix_web::test]
async fn next_available_by_network_empties_the_oldest_batch_first_even_under_concurrency() {
    let app = TestApp::spawn().await;
    let d = desk(&app).await;
    let received = |on: &str| {
        json!({"supplier_id": d.supplier, "network": "O2", "kind": "physical_sim", "data_gb_per_month": 25,
               "duration_months": 12, "received_on": on, "hub_id": d.hub})
    };
    // The newer batch is recorded and stocked first, so its SIMs have the lower ids.
    let newer =
        json_ok(app.post_json("/api/v1/sim-batches", Some(&d.staff.token), &received("2026-11-20")).await).await;
    let newer = newer["id"].as_str().expect("id").to_owned();
    json_ok(stock_up(&app, &d, &newer, &json!([iccid(1), iccid(2)])).await).await;
    let older =
        json_ok(app.post_json("/api/v1/sim-batches", Some(&d.staff.token), &received("2026-10-01")).await).await;
    let older = older["id"].as_str().expect("id").to_owned();
    json_ok(stock_up(&app, &d, &older, &json!([iccid(3), iccid(4)])).await).await;

    let mut residents = Vec::new();
    for i in 0..6 {
        residents.push(app.resident(&d.staff.token, &format!("Network {i}")).await);
    }
    let batch_of = |sim: &str| -> String {
        use tech4all::db::schema::sims;
        let id: Uuid = sim.parse().expect("uuid");
        let batch: Uuid = sims::table.find(id).select(sims::batch_id).first(&mut app.conn()).expect("the SIM exists");
        batch.to_string()
    };
    let first = json_ok(
        app.post_json(
            "/api/v1/sim-allocations",
            Some(&d.staff.token),
            &json!({"resident_id": residents[0], "network": "o2", "hub_id": d.hub}),
        )
        .await,
    )
    .await;
    assert_eq!(batch_of(first["sim"]["id"].as_str().expect("sim")), older, "the older batch goes first");

    // Five at once for the three SIMs left: one from the older batch, two from the newer, two refused.
    let bodies: Vec<Value> =
        residents[1..].iter().map(|r| json!({"resident_id": r, "network": "O2", "hub_id": d.hub})).collect();
    let attempts = bodies.iter().map(|body| app.post_json("/api/v1/sim-allocations", Some(&d.staff.token), body));
    let mut given = vec![first["sim"]["id"].as_str().expect("sim").to_owned()];
    let mut refused = 0;
    for response in futures::future::join_all(attempts).await {
        match response.status().as_u16() {
            201 => given.push(json_ok(response).await["sim"]["id"].as_str().expect("sim").to_owned()),
            409 => {
                let problem = assert_problem(response, 409).await;
                assert!(problem["detail"].as_str().unwrap_or_default().contains("left in stock"), "{problem}");
                refused += 1;
            }
            other => panic!("unexpected {other}"),
        }
    }
    assert_eq!((given.len(), refused), (4, 2));
    let mut unique = given.clone();
    unique.sort();
    unique.dedup();
    assert_eq!(unique.len(), 4, "no SIM went to two people");
    let from_older = given.iter().filter(|s| batch_of(s) == older).count();
    assert_eq!(from_older, 2, "both of the older batch's SIMs were given out");
}
