//! The rollups the reports read agree with a recomputation from the raw records after a random
//! sequence of sales, refunds, resales, loans, returns, re-loans, recycling and SIM hand-outs.

use std::collections::BTreeMap;

use diesel::prelude::*;
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use serde_json::{Value, json};
use uuid::Uuid;

use tech4all::db::schema::{impact_ledger, loans, sales, sim_allocations};

use crate::helpers::{TestApp, json_ok};
use crate::reports::Borough;

#[derive(Debug, Clone, Copy, PartialEq)]
enum State {
    Ready,
    Sold(Uuid),
    Lent(Uuid),
    Recycled,
}

/// Sums the report's groups by one key.
fn by_key(report: &Value, key: &str, figure: &str) -> BTreeMap<String, i64> {
    let mut out = BTreeMap::new();
    for g in report["groups"].as_array().expect("groups") {
        *out.entry(g[key].as_str().unwrap_or_default().to_owned()).or_default() += g[figure].as_i64().expect("figure");
    }
    out.retain(|_, n| *n != 0);
    out
}

#[actix_web::test]
async fn rollups_equal_a_recomputation_from_raw_records_after_random_operations() {
    let seed: u64 = std::env::var("ROLLUP_SEED").ok().and_then(|s| s.parse().ok()).unwrap_or(20261201);
    let mut rng = StdRng::seed_from_u64(seed);
    let app = TestApp::spawn().await;
    let b = Borough::new(&app).await;
    let wards = [b.high, b.middle, b.low];
    let batch = b.sims(&app, b.hub_a, 12).await;
    let mut devices: Vec<(Uuid, Uuid, State)> = Vec::new();
    for i in 0..10 {
        let hub = if i % 2 == 0 { b.hub_a } else { b.hub_b };
        let weight = if i % 3 == 0 { None } else { Some(1_400 + i * 10) };
        devices.push((
            app.ready_device_of(hub, ["laptop", "tablet", "phone"][i as usize % 3], weight),
            hub,
            State::Ready,
        ));
    }
    let mut sims_given = 0;
    for step in 0..60 {
        let i = rng.random_range(0..devices.len());
        let (device, hub, state) = devices[i];
        let ward = wards[rng.random_range(0..wards.len())];
        let eligibility = ["universal_credit", "pension_credit", "care_leaver"][rng.random_range(0..3)];
        let token = &b.staff.token;
        devices[i].2 = match (state, rng.random_range(0..10)) {
            (State::Ready, 0..=3) => {
                let sale = b.sell(&app, device, b.resident(&app, hub, ward, eligibility).await).await;
                State::Sold(sale["id"].as_str().and_then(|s| s.parse().ok()).expect("id"))
            }
            (State::Ready, 4..=7) => {
                let loan = b.lend(&app, device, b.resident(&app, hub, ward, eligibility).await).await;
                State::Lent(loan["id"].as_str().and_then(|s| s.parse().ok()).expect("id"))
            }
            (State::Ready, _) => {
                {
                    use tech4all::db::schema::devices as d;
                    diesel::update(d::table.find(device))
                        .set(d::status.eq("beyond_repair"))
                        .execute(&mut app.conn())
                        .expect("breaks");
                }
                let recycler = app.insert_organisation("Recycler");
                let body = json!({"recycler_id": recycler, "waste_transfer_note": format!("WTN-{step}"), "disposed_on": "2026-11-20"});
                json_ok(app.post_json(&format!("/api/v1/devices/{device}/recycle"), Some(token), &body).await).await;
                State::Recycled
            }
            (State::Sold(sale), 0..=5) => {
                let body = json!({"reason": "did not suit"});
                json_ok(app.post_json(&format!("/api/v1/sales/{sale}/refund"), Some(token), &body).await).await;
                let reset = json!({"method": "factory_reset", "verified": true});
                json_ok(app.post_json(&format!("/api/v1/devices/{device}/resets"), Some(token), &reset).await).await;
                State::Ready
            }
            (State::Lent(loan), 0..=7) => {
                let body = json!({"condition": "ok", "hub_id": hub, "reset": {"method": "reimage", "verified": true}});
                json_ok(app.post_json(&format!("/api/v1/loans/{loan}/return"), Some(token), &body).await).await;
                State::Ready
            }
            (other, _) => other,
        };
        if sims_given < 10 && rng.random_range(0..4) == 0 {
            b.give_sim(&app, &batch, b.resident(&app, b.hub_a, ward, eligibility).await).await;
            sims_given += 1;
        }
    }
    let admin = app.admin().await;
    let mut conn = app.conn();

    // The ledger: one entry per device ever sold, lent or recycled, worked out from its own record.
    let ledger: Vec<(Uuid, String, i64, i64, Option<Uuid>)> = impact_ledger::table
        .select((
            impact_ledger::device_id,
            impact_ledger::kind,
            impact_ledger::co2e_saved_g,
            impact_ledger::landfill_saved_g,
            impact_ledger::hub_id,
        ))
        .load(&mut conn)
        .expect("ledger");
    let reused_ids: Vec<Uuid> = {
        let sold: Vec<Uuid> = sales::table.select(sales::device_id).distinct().load(&mut conn).expect("sales");
        let lent: Vec<Uuid> = loans::table.select(loans::device_id).distinct().load(&mut conn).expect("loans");
        let mut all: Vec<Uuid> = sold.into_iter().chain(lent).collect();
        all.sort();
        all.dedup();
        all
    };
    let used = reused_ids.len() as i64;
    let recycled = devices.iter().filter(|d| d.2 == State::Recycled).count() as i64;
    let recycled_unused =
        devices.iter().filter(|d| d.2 == State::Recycled && !reused_ids.contains(&d.0)).count() as i64;
    assert_eq!(ledger.iter().filter(|l| l.1 == "reused").count() as i64, used, "every reused device once");
    assert_eq!(
        ledger.iter().filter(|l| l.1 == "recycled").count() as i64,
        recycled_unused,
        "recycling counts only devices never reused"
    );

    // Sustainability: totals and every grouping equal the ledger summed directly.
    let co2e: i64 = ledger.iter().map(|l| l.2).sum();
    let landfill: i64 = ledger.iter().map(|l| l.3).sum();
    for group_by in ["", "hub", "donor", "ward", "category,month", "hub,donor", "ward,quarter"] {
        let report =
            json_ok(app.get(&format!("/api/v1/reports/sustainability?group_by={group_by}"), Some(&admin.token)).await)
                .await;
        assert_eq!(report["totals"]["co2e_saved_kg"].as_f64(), Some(co2e as f64 / 1000.0), "{group_by}");
        assert_eq!(report["totals"]["landfill_saved_kg"].as_f64(), Some(landfill as f64 / 1000.0), "{group_by}");
        let groups = report["groups"].as_array().expect("groups");
        let summed: i64 =
            groups.iter().map(|g| (g["co2e_saved_kg"].as_f64().expect("kg") * 1000.0).round() as i64).sum();
        assert_eq!(summed, co2e, "{group_by}: the groups add up to the total");
        if group_by == "hub" {
            for hub in [b.hub_a, b.hub_b] {
                let expected: i64 = ledger.iter().filter(|l| l.4 == Some(hub)).map(|l| l.2).sum();
                let got = groups
                    .iter()
                    .find(|g| g["hub_id"] == hub.to_string())
                    .map(|g| g["co2e_saved_kg"].as_f64().unwrap_or(0.0));
                assert_eq!(got.unwrap_or(0.0), expected as f64 / 1000.0);
            }
        }
    }

    // Distribution: each hub's figures from the sales, loans and allocations themselves.
    let report = json_ok(app.get("/api/v1/reports/distribution?group_by=hub,month", Some(&admin.token)).await).await;
    let all_sales: Vec<(Uuid, i32, bool)> = sales::table
        .select((sales::hub_id, sales::price_pence, sales::refunded_at.is_not_null()))
        .load(&mut conn)
        .expect("sales");
    let all_loans: Vec<(Uuid, bool)> = loans::table
        .select((loans::hub_id, loans::returned_at.is_null().and(loans::lost_at.is_null())))
        .load(&mut conn)
        .expect("loans");
    let allocations: i64 = sim_allocations::table.count().get_result(&mut conn).expect("allocations");
    let per_hub = |f: &dyn Fn(Uuid) -> i64| -> BTreeMap<String, i64> {
        let mut m: BTreeMap<String, i64> = [b.hub_a, b.hub_b].iter().map(|h| (h.to_string(), f(*h))).collect();
        m.retain(|_, n| *n != 0);
        m
    };
    assert_eq!(
        by_key(&report, "hub_id", "devices_sold"),
        per_hub(&|h| all_sales.iter().filter(|s| s.0 == h).count() as i64)
    );
    assert_eq!(
        by_key(&report, "hub_id", "sales_refunded"),
        per_hub(&|h| all_sales.iter().filter(|s| s.0 == h && s.2).count() as i64)
    );
    assert_eq!(
        by_key(&report, "hub_id", "sales_takings_pence"),
        per_hub(&|h| all_sales.iter().filter(|s| s.0 == h && !s.2).map(|s| i64::from(s.1)).sum())
    );
    assert_eq!(
        by_key(&report, "hub_id", "devices_lent"),
        per_hub(&|h| all_loans.iter().filter(|l| l.0 == h).count() as i64)
    );
    assert_eq!(
        by_key(&report, "hub_id", "loans_active"),
        per_hub(&|h| all_loans.iter().filter(|l| l.0 == h && l.1).count() as i64)
    );
    assert_eq!(report["totals"]["sims_allocated"], allocations);
    assert_eq!(report["totals"]["sim_data_gb_per_month"], allocations * 25);
    assert_eq!(report["totals"]["devices_recycled"], recycled);

    // Reach: every hand-out once, under the resident's ward.
    let reach = json_ok(app.get("/api/v1/reports/exclusion-risk", Some(&admin.token)).await).await;
    let people: i64 = {
        let mut ids: Vec<Uuid> = sales::table.select(sales::resident_id).load(&mut conn).expect("buyers");
        ids.extend(loans::table.select(loans::resident_id).load::<Uuid>(&mut conn).expect("borrowers"));
        ids.extend(sim_allocations::table.select(sim_allocations::resident_id).load::<Uuid>(&mut conn).expect("sims"));
        ids.sort();
        ids.dedup();
        ids.len() as i64
    };
    if people >= 5 {
        assert_eq!(reach["totals"]["residents_reached"], people, "seed {seed}");
        assert_eq!(reach["totals"]["devices_sold"], all_sales.len() as i64);
        assert_eq!(reach["totals"]["devices_lent"], all_loans.len() as i64);
        assert_eq!(reach["totals"]["sims"], allocations);
    }
    assert!(used > 3 && recycled > 0, "the sequence exercised reuse and recycling (seed {seed})");
}
