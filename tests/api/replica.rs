//! Reports from a streaming replica (`TECH4ALL_REPLICA_URL`), against a real one: a primary cluster
//! of this test's own, and a hot standby made from it with `pg_basebackup`, streaming. While the
//! replica keeps up, reports read from it; when it falls behind more than the allowed lag, or goes
//! away, they read from the primary, and nobody is refused.

use std::time::{Duration, Instant};

use diesel::pg::PgConnection;
use diesel::prelude::*;
use serde_json::{Value, json};

use tech4all::db::embedded::{ClusterOptions, EmbeddedPostgres};
use tech4all::db::migrate;
use tech4all::ids::SchemeId;

use crate::helpers::{TestApp, json_ok, test_root, test_settings};

#[derive(QueryableByName)]
struct Count {
    #[diesel(sql_type = diesel::sql_types::BigInt)]
    n: i64,
}

fn sales(conn: &mut PgConnection) -> i64 {
    diesel::sql_query("SELECT count(*) AS n FROM sales").get_result::<Count>(conn).expect("counts").n
}

/// Waits until `done` holds, for at most 30 s.
async fn eventually(what: &str, mut done: impl FnMut() -> bool) {
    let deadline = Instant::now() + Duration::from_secs(30);
    while !done() {
        assert!(Instant::now() < deadline, "{what} within 30 s");
        actix_web::rt::time::sleep(Duration::from_millis(200)).await;
    }
}

async fn sold(app: &TestApp, token: &str) -> i64 {
    let report: Value = json_ok(app.get("/api/v1/reports/distribution", Some(token)).await).await;
    report["totals"]["devices_sold"].as_i64().expect("devices sold")
}

#[actix_web::test]
async fn reports_read_from_a_current_replica_and_from_the_primary_when_it_lags_or_is_gone() {
    // Inside this test process's folder, which is removed with it.
    let root = test_root().join(std::process::id().to_string()).join("replica");
    let options = |name: &str| ClusterOptions { data_dir: root.join(name), max_connections: 40, throwaway: true };
    let primary = EmbeddedPostgres::start(&options("primary")).expect("starts the primary");
    primary.ensure_database("tech4all").expect("creates the database");
    let url = primary.url("tech4all");
    let mut conn = PgConnection::establish(&url).expect("connects to the primary");
    let settings = test_settings();
    migrate::run_locked(&mut conn, |c| tech4all::bootstrap::first_start(c, &settings, false).map_err(Into::into))
        .expect("migrates");
    tech4all::demo::seed_year(&mut conn, SchemeId::FIRST).expect("a year of records");
    let standby = EmbeddedPostgres::start_standby(&options("standby"), &primary).expect("starts the standby");
    let mut replica = PgConnection::establish(&standby.url("tech4all")).expect("connects to the standby");
    let mut primary_conn = PgConnection::establish(&url).expect("connects");
    let on_primary = sales(&mut primary_conn);
    eventually("the standby has the year", || sales(&mut replica) == on_primary).await;

    // The standby stops applying what it receives: from now on it is behind.
    diesel::sql_query("SELECT pg_wal_replay_pause()").execute(&mut replica).expect("pauses replay");
    let patient = TestApp::spawn_on(url.clone(), {
        let mut s = test_settings();
        s.replica_url = Some(standby.url("tech4all"));
        s.replica_max_lag = Duration::from_secs(3600);
        s
    })
    .await;
    let strict = TestApp::spawn_on(url.clone(), {
        let mut s = test_settings();
        s.replica_url = Some(standby.url("tech4all"));
        s.replica_max_lag = Duration::from_secs(1);
        s
    })
    .await;
    let admin = patient.admin().await;
    let before = sold(&patient, &admin.token).await;
    assert_eq!(before, on_primary, "the year, read from the replica");

    // A sale on the primary, which the paused standby does not apply.
    let hub = patient.insert_hub("Replica test hub");
    let device = patient.ready_device(hub);
    let resident = patient.resident(&admin.token, "Replica Buyer").await;
    let sale = json!({"device_id": device, "resident_id": resident, "payment_method": "cash"});
    json_ok(patient.post_json("/api/v1/sales", Some(&admin.token), &sale).await).await;
    assert_eq!(sold(&patient, &admin.token).await, before, "a replica within the allowed lag answers, a sale behind");
    actix_web::rt::time::sleep(Duration::from_millis(2500)).await;
    assert_eq!(sold(&strict, &admin.token).await, before + 1, "one allowed 1 s behind reads from the primary");

    // Replay resumes: the replica catches up and both read the sale.
    diesel::sql_query("SELECT pg_wal_replay_resume()").execute(&mut replica).expect("resumes replay");
    let wanted = sales(&mut primary_conn);
    eventually("the standby catches up", || sales(&mut replica) == wanted).await;
    assert_eq!(sold(&patient, &admin.token).await, before + 1);

    // The replica goes away: reports carry on from the primary, none refused.
    drop(replica);
    drop(standby);
    for _ in 0..3 {
        assert_eq!(sold(&patient, &admin.token).await, before + 1, "read from the primary");
    }
    assert_eq!(sold(&strict, &admin.token).await, before + 1);
    drop(primary_conn);
    drop(conn);
}
