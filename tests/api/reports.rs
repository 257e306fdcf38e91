//! The distribution report, the exclusion-risk view with its small-group suppression, and their
//! charts and CSV.

use diesel::prelude::*;
use serde_json::{Value, json};
use uuid::Uuid;

use tech4all::auth::Role;
use tech4all::db::schema::{hubs, loans, organisations, wards};
use tech4all::sims::rules::luhn_check_digit;

use crate::donations::create_donation;
use crate::helpers::{TestApp, TestUser, assert_problem, json_ok};

/// Three wards by exclusion risk, a hub in the highest- and one in the lowest-risk ward, and a member
/// of staff at both.
pub struct Borough {
    pub high: Uuid,
    pub middle: Uuid,
    pub low: Uuid,
    pub hub_a: Uuid,
    pub hub_b: Uuid,
    pub staff: TestUser,
}

impl Borough {
    pub async fn new(app: &TestApp) -> Self {
        let mut conn = app.conn();
        let ward = |conn: &mut diesel::PgConnection, name: &str, score: f64| {
            let id = Uuid::now_v7();
            diesel::insert_into(wards::table)
                .values((wards::id.eq(id), wards::name.eq(name), wards::deri_score.eq(score)))
                .execute(conn)
                .expect("inserts ward");
            id
        };
        let (high, middle, low) =
            (ward(&mut conn, "Old Trafford", 4.8), ward(&mut conn, "Sale Central", 3.0), ward(&mut conn, "Hale", 1.2));
        let (hub_a, hub_b) = (app.insert_hub("Stretford Library"), app.insert_hub("Hale Library"));
        for (hub, w) in [(hub_a, high), (hub_b, low)] {
            diesel::update(hubs::table.find(hub)).set(hubs::ward_id.eq(w)).execute(&mut conn).expect("sets ward");
        }
        let staff = app.user_with(Role::HubStaff, vec![hub_a, hub_b], None).await;
        Borough { high, middle, low, hub_a, hub_b, staff }
    }

    /// A resident living in `ward`, registered at `hub`.
    pub async fn resident(&self, app: &TestApp, hub: Uuid, ward: Uuid, eligibility: &str) -> Uuid {
        let body = json!({"name": format!("Resident {}", Uuid::now_v7().simple()), "ward_id": ward, "eligibility": eligibility, "hub_id": hub});
        let created = json_ok(app.post_json("/api/v1/residents", Some(&self.staff.token), &body).await).await;
        created["id"].as_str().and_then(|id| id.parse().ok()).expect("id")
    }

    pub async fn sell(&self, app: &TestApp, device: Uuid, resident: Uuid) -> Value {
        let body = json!({"device_id": device, "resident_id": resident, "payment_method": "cash"});
        json_ok(app.post_json("/api/v1/sales", Some(&self.staff.token), &body).await).await
    }

    pub async fn lend(&self, app: &TestApp, device: Uuid, resident: Uuid) -> Value {
        let body = json!({"device_id": device, "resident_id": resident});
        json_ok(app.post_json("/api/v1/loans", Some(&self.staff.token), &body).await).await
    }

    /// A batch of `count` O2 SIMs with 25 GB a month at `hub`; returns its id.
    pub async fn sims(&self, app: &TestApp, hub: Uuid, count: u64) -> String {
        let supplier = app.insert_organisation("National Databank");
        diesel::update(organisations::table.find(supplier))
            .set(organisations::roles.eq(vec!["connectivity_supplier".to_owned()]))
            .execute(&mut app.conn())
            .expect("makes supplier");
        let body = json!({"supplier_id": supplier, "network": "O2", "kind": "physical_sim", "data_gb_per_month": 25, "duration_months": 12, "received_on": "2026-11-01", "hub_id": hub});
        let batch = json_ok(app.post_json("/api/v1/sim-batches", Some(&self.staff.token), &body).await).await;
        let id = batch["id"].as_str().expect("id").to_owned();
        let iccids: Vec<String> = (0..count)
            .map(|n| {
                let base = format!("89441100{:010}", 4_000_000 + n);
                format!("{base}{}", luhn_check_digit(&base).expect("digit"))
            })
            .collect();
        json_ok(
            app.post_json(&format!("/api/v1/sim-batches/{id}/sims"), Some(&self.staff.token), &json!(iccids)).await,
        )
        .await;
        id
    }

    pub async fn give_sim(&self, app: &TestApp, batch: &str, resident: Uuid) -> Value {
        let body = json!({"resident_id": resident, "batch_id": batch});
        json_ok(app.post_json("/api/v1/sim-allocations", Some(&self.staff.token), &body).await).await
    }
}

fn group<'a>(report: &'a Value, key: &str, value: &Uuid) -> &'a Value {
    report["groups"]
        .as_array()
        .expect("groups")
        .iter()
        .find(|g| g[key] == value.to_string())
        .unwrap_or_else(|| panic!("no group {key}={value} in {report}"))
}

#[actix_web::test]
async fn the_distribution_report_counts_what_each_hub_received_sold_lent_recycled_and_gave_out() {
    let app = TestApp::spawn().await;
    let b = Borough::new(&app).await;
    let donation = create_donation(&app, &b.staff.token, app.insert_organisation("Royal Mail"), b.hub_a).await;
    let rows = json!([
        {"serial_number": "RM-1", "make": "Dell", "category": "laptop"},
        {"serial_number": "RM-2", "make": "Dell", "category": "laptop"},
        {"serial_number": "RM-3", "make": "Apple", "category": "tablet"},
    ]);
    let path = format!("/api/v1/donations/{}/devices", donation["id"].as_str().expect("id"));
    json_ok(app.post_json(&path, Some(&b.staff.token), &rows).await).await;

    let mut sales = Vec::new();
    for hub in [b.hub_a, b.hub_a, b.hub_b] {
        let ward = if hub == b.hub_a { b.high } else { b.low };
        let resident = b.resident(&app, hub, ward, "universal_credit").await;
        sales.push(b.sell(&app, app.ready_device(hub), resident).await);
    }
    let refund = format!("/api/v1/sales/{}/refund", sales[0]["id"].as_str().expect("id"));
    json_ok(app.post_json(&refund, Some(&b.staff.token), &json!({"reason": "changed mind"})).await).await;

    let returned = b.lend(&app, app.ready_device(b.hub_a), b.resident(&app, b.hub_a, b.high, "pip_dla").await).await;
    let back = format!("/api/v1/loans/{}/return", returned["id"].as_str().expect("id"));
    json_ok(app.post_json(&back, Some(&b.staff.token), &json!({"condition": "ok"})).await).await;
    let late = b.lend(&app, app.ready_device(b.hub_b), b.resident(&app, b.hub_b, b.low, "pip_dla").await).await;
    let late_id: Uuid = late["id"].as_str().and_then(|id| id.parse().ok()).expect("id");
    let three_days_ago = chrono::Utc::now().date_naive() - chrono::Days::new(3);
    diesel::update(loans::table.find(late_id))
        .set(loans::due_on.eq(three_days_ago))
        .execute(&mut app.conn())
        .expect("backdates");

    let batch = b.sims(&app, b.hub_a, 2).await;
    b.give_sim(&app, &batch, b.resident(&app, b.hub_a, b.middle, "pension_credit").await).await;

    let broken = app.ready_device(b.hub_b);
    {
        use tech4all::db::schema::devices;
        diesel::update(devices::table.find(broken))
            .set(devices::status.eq("beyond_repair"))
            .execute(&mut app.conn())
            .expect("breaks");
    }
    let recycler = app.insert_organisation("Recycler");
    let body = json!({"recycler_id": recycler, "waste_transfer_note": "WTN-1", "disposed_on": "2026-11-20"});
    json_ok(app.post_json(&format!("/api/v1/devices/{broken}/recycle"), Some(&b.staff.token), &body).await).await;

    let reporter = app.user(Role::Reporter).await;
    let report = json_ok(app.get("/api/v1/reports/distribution?group_by=hub", Some(&reporter.token)).await).await;
    let t = &report["totals"];
    let expect = |v: &Value, pairs: &[(&str, i64)]| {
        for (k, n) in pairs {
            assert_eq!(v[*k], *n, "{k} in {v}");
        }
    };
    // Three sales at £60 with £140 subsidy each (a laptop's £200 estimated value), one refunded.
    expect(
        t,
        &[
            ("devices_received", 3),
            ("devices_sold", 3),
            ("sales_refunded", 1),
            ("sales_takings_pence", 12_000),
            ("sales_subsidy_pence", 28_000),
            ("devices_lent", 2),
            ("loans_active", 1),
            ("loans_overdue", 1),
            ("devices_recycled", 1),
            ("sims_allocated", 1),
            ("sim_data_gb_per_month", 25),
        ],
    );
    expect(
        group(&report, "hub_id", &b.hub_a),
        &[
            ("devices_received", 3),
            ("devices_sold", 2),
            ("sales_takings_pence", 6_000),
            ("devices_lent", 1),
            ("loans_active", 0),
            ("sims_allocated", 1),
        ],
    );
    expect(
        group(&report, "hub_id", &b.hub_b),
        &[("devices_sold", 1), ("devices_lent", 1), ("loans_overdue", 1), ("devices_recycled", 1)],
    );

    let by_ward =
        json_ok(app.get("/api/v1/reports/distribution?group_by=ward,month", Some(&reporter.token)).await).await;
    assert_eq!(by_ward["totals"], report["totals"], "the same totals whatever the grouping");
    assert_eq!(group(&by_ward, "ward_id", &b.low)["devices_recycled"], 1, "a hub's ward");

    let csv = app.get("/api/v1/reports/distribution?group_by=hub&format=csv", Some(&reporter.token)).await;
    assert!(csv.headers()["content-type"].to_str().expect("type").starts_with("text/csv"));
    let text = csv.text().await.expect("text");
    assert!(text.starts_with("hub_id,devices_received,devices_refurbished,devices_sold,"), "{text}");
    assert_eq!(text.lines().count(), 3, "a header and a row per hub");

    let svg = app.get("/api/v1/reports/distribution.svg", Some(&reporter.token)).await;
    assert_eq!(svg.headers()["content-type"], "image/svg+xml");
    let svg = svg.text().await.expect("svg");
    assert!(svg.starts_with("<svg") && svg.contains("devices sold") && svg.contains("SIMs"), "{svg}");

    let partner = app.user_with(Role::Partner, vec![], Some(app.insert_organisation("Refurb"))).await;
    assert_problem(app.get("/api/v1/reports/distribution", Some(&partner.token)).await, 403).await;
    assert_problem(app.get("/api/v1/reports/distribution?group_by=donor", Some(&reporter.token)).await, 400).await;
}

fn ward_row<'a>(report: &'a Value, ward: &Uuid) -> &'a Value {
    report["wards"].as_array().expect("wards").iter().find(|w| w["ward_id"] == ward.to_string()).expect("ward row")
}

#[actix_web::test]
async fn wards_and_eligibility_groups_of_fewer_than_five_people_are_suppressed() {
    let app = TestApp::spawn().await;
    let b = Borough::new(&app).await;
    for _ in 0..6 {
        let resident = b.resident(&app, b.hub_a, b.high, "universal_credit").await;
        b.sell(&app, app.ready_device(b.hub_a), resident).await;
    }
    for _ in 0..5 {
        let resident = b.resident(&app, b.hub_b, b.middle, "universal_credit").await;
        b.lend(&app, app.ready_device(b.hub_b), resident).await;
    }
    let batch = b.sims(&app, b.hub_b, 2).await;
    for _ in 0..2 {
        b.give_sim(&app, &batch, b.resident(&app, b.hub_b, b.low, "pension_credit").await).await;
    }

    let reporter = app.user(Role::Reporter).await;
    let report = json_ok(app.get("/api/v1/reports/exclusion-risk", Some(&reporter.token)).await).await;
    assert_eq!(report["min_group_size"], 5);
    assert_eq!(
        report["totals"],
        json!({"residents_reached": 13, "devices_sold": 6, "devices_lent": 5, "sims": 2, "suppressed": false})
    );
    let high = ward_row(&report, &b.high);
    assert_eq!((high["deri_score"].as_f64(), high["highest_risk"].as_bool()), (Some(4.8), Some(true)));
    assert_eq!(
        (&high["residents_reached"], &high["devices_sold"], &high["suppressed"]),
        (&json!(6), &json!(6), &json!(false))
    );
    let low = ward_row(&report, &b.low);
    assert_eq!(
        (&low["suppressed"], &low["residents_reached"], &low["sims"]),
        (&json!(true), &Value::Null, &Value::Null)
    );
    let middle = ward_row(&report, &b.middle);
    assert_eq!(middle["suppressed"], true, "five people, hidden so that the two cannot be worked out from the total");
    assert_eq!(middle["devices_lent"], Value::Null);

    // The fifth of three wards with the highest scores is the one ward: 6 of 11 devices, no SIMs.
    assert_eq!(report["highest_risk"]["ward_ids"], json!([b.high]));
    assert_eq!(report["highest_risk"]["devices_share"], 0.55);
    assert_eq!(report["highest_risk"]["sims_share"], 0.0);

    let eligibility = report["eligibility"].as_array().expect("eligibility");
    let by = |e: &str| eligibility.iter().find(|r| r["eligibility"] == e).expect("category").clone();
    assert_eq!(by("pension_credit")["suppressed"], true);
    assert_eq!(by("universal_credit")["suppressed"], true, "the only other group is hidden with it");
    assert_eq!(by("care_leaver")["residents_reached"], 0, "nobody is not a small group");

    let csv = app.get("/api/v1/reports/exclusion-risk", Some(&reporter.token)).await;
    assert!(csv.status().is_success());
    let text = app
        .request(reqwest::Method::GET, "/api/v1/reports/exclusion-risk", Some(&reporter.token))
        .header("accept", "text/csv")
        .send()
        .await
        .expect("sends")
        .text()
        .await
        .expect("text");
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines[0], "ward_id,ward,deri_score,highest_risk,residents_reached,devices_sold,devices_lent,sims");
    assert!(lines[1].starts_with(&format!("{},Old Trafford,4.8,true,6,6,0,0", b.high)), "{text}");
    assert!(lines.iter().any(|l| l.ends_with("[c],[c],[c],[c]")), "suppressed cells are marked [c]: {text}");

    // A period with nobody reached shows zeros, not suppression.
    let empty = json_ok(app.get("/api/v1/reports/exclusion-risk?to=2000-01-31", Some(&reporter.token)).await).await;
    assert_eq!(empty["totals"]["residents_reached"], 0);
    assert_eq!(empty["highest_risk"]["devices_share"], Value::Null);
}
