//! The demo data set: a year of the scheme, so a newcomer sees meaningful reports at once.

use diesel::prelude::*;
use serde_json::Value;

use tech4all::auth::Role;

use crate::helpers::{TestApp, json_ok};

#[actix_web::test]
async fn the_demo_reproduces_a_year_of_the_scheme_in_every_report() {
    let app = TestApp::spawn().await;
    tech4all::demo::seed(&mut app.conn()).expect("seeds");
    tech4all::demo::seed(&mut app.conn()).expect("a second load changes nothing");
    let reporter = app.user(Role::Reporter).await;

    let distribution =
        json_ok(app.get("/api/v1/reports/distribution?group_by=month", Some(&reporter.token)).await).await;
    let t = &distribution["totals"];
    assert_eq!(t["devices_sold"], 265, "265 laptops sold at pop-ups");
    assert_eq!(t["sales_takings_pence"], (265 - 2) * 6000, "at £60, two refunded");
    assert!(t["sims_allocated"].as_i64().expect("sims") >= 350, "{t}");
    assert!(t["devices_lent"].as_i64().expect("loans") > 50 && t["loans_overdue"].as_i64() > Some(0), "{t}");
    let months_selling = distribution["groups"]
        .as_array()
        .expect("groups")
        .iter()
        .filter(|g| g["devices_sold"].as_i64() > Some(0))
        .count();
    assert_eq!(months_selling, 12, "sales in each of the last twelve months");

    let sustainability =
        json_ok(app.get("/api/v1/reports/sustainability?group_by=donor", Some(&reporter.token)).await).await;
    let reused = sustainability["totals"]["devices_reused"].as_i64().expect("reused");
    assert!(reused >= 265, "every device sold or lent counts once: {reused}");
    assert!(sustainability["totals"]["devices_recycled"].as_i64() > Some(20));
    let donors: Vec<&Value> =
        sustainability["groups"].as_array().expect("groups").iter().filter(|g| g["donor_id"] != "").collect();
    assert!(donors.len() >= 4, "the year's devices come from several donors: {donors:?}");

    let reach = json_ok(app.get("/api/v1/reports/exclusion-risk", Some(&reporter.token)).await).await;
    assert!(reach["highest_risk"]["devices_share"].as_f64() > Some(0.3), "{}", reach["highest_risk"]);

    // The demo's records keep every invariant the soak and fault drills check: each device in one
    // place, each history step starting where the one before ended, the rollups equal to the records.
    let broken: Vec<Invariant> =
        diesel::sql_query(include_str!("../../bench/invariants.sql")).load(&mut app.conn()).expect("checks run");
    assert!(broken.len() >= 10, "every check ran: {broken:?}");
    let failing: Vec<&Invariant> = broken.iter().filter(|i| i.broken != 0).collect();
    assert!(failing.is_empty(), "{failing:?}");

    // Every device that came back in good order was reset at the counter before anyone else had it.
    #[derive(QueryableByName)]
    struct Resets {
        #[diesel(sql_type = diesel::sql_types::BigInt)]
        resets: i64,
        #[diesel(sql_type = diesel::sql_types::BigInt)]
        returns: i64,
    }
    let counted = diesel::sql_query(
        "SELECT (SELECT count(*) FROM device_resets WHERE verified) AS resets, \
                (SELECT count(*) FROM loans WHERE return_condition = 'ok') \
                + (SELECT count(*) FROM sales WHERE refunded_at IS NOT NULL AND NOT refund_faulty) AS returns",
    )
    .get_result::<Resets>(&mut app.conn())
    .expect("counts");
    assert!(
        counted.returns > 0 && counted.resets == counted.returns,
        "{} resets for {} returns",
        counted.resets,
        counted.returns
    );
}

#[derive(Debug, QueryableByName)]
struct Invariant {
    #[diesel(sql_type = diesel::sql_types::Text)]
    #[allow(dead_code)]
    invariant: String,
    #[diesel(sql_type = diesel::sql_types::BigInt)]
    broken: i64,
}
