//! Upgrading in place: a database filled by the last single-scheme release (its demo, dumped with
//! `pg_dump --data-only` on 2026-12-03, with the reports that release answered on it) migrates into
//! a first scheme with nothing lost — every table's rows the same, every report the same answer —
//! and the service carries on from where it was.

use std::collections::BTreeMap;
use std::io::Read;

use diesel::migration::MigrationSource;
use diesel::pg::{Pg, PgConnection};
use diesel::prelude::*;
use diesel::sql_types::Text;
use diesel_migrations::MigrationHarness;
use serde_json::{Value, json};

use tech4all::bootstrap::DEMO_PASSWORD;
use tech4all::db::migrate::{self, MIGRATIONS};

use crate::helpers::{TestApp, empty_database, json_ok, test_settings};

const FIXTURE: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/release-2026-12-03");
/// The last migration of the single-scheme release.
const RELEASE: &str = "20261202000009";

/// The release's schema: its migrations, and no later one.
fn migrate_to_release(conn: &mut PgConnection) {
    diesel::migration::MigrationConnection::setup(conn).expect("the migrations table");
    let migrations = MigrationSource::<Pg>::migrations(&MIGRATIONS).expect("embedded migrations");
    for migration in migrations.iter().filter(|m| m.name().version().to_string().replace('-', "").as_str() <= RELEASE) {
        conn.run_migration(migration.as_ref()).expect("runs a release migration");
    }
}

fn load_release_data(conn: &mut PgConnection) {
    let file = std::fs::File::open(format!("{FIXTURE}/data.sql.gz")).expect("the fixture");
    let mut sql = String::new();
    flate2::read::GzDecoder::new(file).read_to_string(&mut sql).expect("unpacks");
    use diesel::connection::SimpleConnection;
    // The dump holds the rows the release's migrations seed (factor sets, the default loan rule).
    conn.batch_execute("DELETE FROM impact_factors; DELETE FROM impact_factor_sets; DELETE FROM loan_rules")
        .expect("clears the seeded rows");
    conn.batch_execute(&sql).expect("loads the release's data");
    conn.batch_execute("RESET ALL; SET search_path = public").expect("resets the session");
}

#[derive(QueryableByName)]
struct Named {
    #[diesel(sql_type = Text)]
    name: String,
}

/// Each table's rows, as JSON without the columns the upgrade adds or moves (`scheme_id`; a
/// factor set's `is_default` and `locked_at`, checked on their own), in a stable order.
fn rows(conn: &mut PgConnection) -> BTreeMap<String, String> {
    let tables = diesel::sql_query(
        "SELECT c.relname::text AS name FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace \
         WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p') AND NOT c.relispartition \
           AND c.relname NOT IN ('__diesel_schema_migrations', 'schemes', 'scheme_counters', 'sign_in_emails', \
                                 'api_key_prefixes', 'report_grants') ORDER BY 1",
    )
    .load::<Named>(conn)
    .expect("tables");
    let mut out = BTreeMap::new();
    for table in tables {
        let name = table.name;
        let row = diesel::sql_query(format!(
            "SELECT count(*)::text || ' ' || coalesce(md5(string_agg(r, E'\\n' ORDER BY r)), '') AS name FROM \
             (SELECT (to_jsonb(t) - 'scheme_id' - 'is_default' - 'locked_at' - 'handed_over_at' - 'sanitised_at' \
             - 'opening_hours' - 'address_lines')::text AS r FROM {name} t) x"
        ))
        .get_result::<Named>(conn)
        .expect("rows");
        out.insert(name, row.name);
    }
    out
}

/// The report's answer without what depends on the day it is asked (loans overdue as of today).
fn timeless(mut report: Value) -> Value {
    fn strip(value: &mut Value) {
        match value {
            Value::Object(map) => {
                map.retain(|k, _| k != "as_of" && !k.contains("overdue"));
                map.values_mut().for_each(strip);
            }
            Value::Array(items) => items.iter_mut().for_each(strip),
            _ => {}
        }
    }
    strip(&mut report);
    report
}

#[actix_web::test]
async fn a_single_scheme_database_becomes_the_first_scheme_with_nothing_lost() {
    let url = empty_database();
    let mut conn = PgConnection::establish(&url).expect("connects");
    migrate_to_release(&mut conn);
    load_release_data(&mut conn);
    let before = rows(&mut conn);
    assert!(before.get("devices").is_some_and(|r| r.starts_with("375 ")), "the release's demo: {before:?}");
    #[derive(QueryableByName)]
    struct Last {
        #[diesel(sql_type = diesel::sql_types::BigInt)]
        last: i64,
    }
    let last =
        |conn: &mut PgConnection, sql: &str| diesel::sql_query(sql).get_result::<Last>(conn).expect("reads").last;
    let tags = last(&mut conn, "SELECT last_value AS last FROM device_asset_tag_seq");
    let references = last(&mut conn, "SELECT last_value AS last FROM resident_reference_seq");
    let default_set: uuid::Uuid = diesel::sql_query("SELECT id::text AS name FROM impact_factor_sets WHERE is_default")
        .get_result::<Named>(&mut conn)
        .expect("the default set")
        .name
        .parse()
        .expect("uuid");

    let settings = test_settings();
    migrate::run_locked(&mut conn, |conn| tech4all::bootstrap::first_start(conn, &settings, false).map_err(Into::into))
        .expect("upgrades");
    let mut after = rows(&mut conn);
    let added: Vec<String> = after.keys().filter(|t| !before.contains_key(*t)).cloned().collect();
    for table in &added {
        assert_eq!(after.remove(table).as_deref(), Some("0 "), "{table} is new, and empty");
    }
    assert_eq!(after, before, "every table holds the same rows");
    // The counter's gate knows each device's last hand-over and last verified wipe from the record.
    #[derive(QueryableByName)]
    struct Filled {
        #[diesel(sql_type = diesel::sql_types::Bool)]
        filled: bool,
    }
    let filled = diesel::sql_query(
        "SELECT (SELECT count(*) FROM devices WHERE handed_over_at IS NOT NULL) = \
                (SELECT count(DISTINCT device_id) FROM device_events WHERE to_status IN ('on_loan', 'sold')) \
            AND (SELECT count(*) FROM devices WHERE sanitised_at IS NOT NULL) = \
                (SELECT count(DISTINCT device_id) FROM wipe_records WHERE verified) \
            AND (SELECT count(*) FROM devices WHERE handed_over_at IS NOT NULL) > 0 AS filled",
    )
    .get_result::<Filled>(&mut conn)
    .expect("reads");
    assert!(filled.filled, "hand-overs and wipes filled in from the record");
    #[derive(QueryableByName)]
    struct Scheme {
        #[diesel(sql_type = diesel::sql_types::BigInt)]
        schemes: i64,
        #[diesel(sql_type = diesel::sql_types::BigInt)]
        outside: i64,
    }
    let scheme = diesel::sql_query(format!(
        "SELECT (SELECT count(*) FROM schemes WHERE kind = 'scheme') AS schemes, \
                (SELECT count(*) FROM devices WHERE scheme_id <> '{0}') + (SELECT count(*) FROM users WHERE scheme_id <> '{0}') AS outside",
        tech4all::ids::SchemeId::FIRST
    ))
    .get_result::<Scheme>(&mut conn)
    .expect("reads");
    assert_eq!((scheme.schemes, scheme.outside), (1, 0), "one scheme, holding everything");
    let counters = |name: &str| format!("SELECT last FROM scheme_counters WHERE name = '{name}'");
    assert_eq!(last(&mut conn, &counters("asset_tag")), tags, "asset tags carry on");
    assert_eq!(last(&mut conn, &counters("resident_reference")), references, "references carry on");
    let chosen: uuid::Uuid =
        diesel::sql_query("SELECT default_factor_set_id::text AS name FROM schemes WHERE kind = 'scheme'")
            .get_result::<Named>(&mut conn)
            .expect("the scheme's default")
            .name
            .parse()
            .expect("uuid");
    assert_eq!(chosen, default_set, "the default factor set is the scheme's");
    drop(conn);

    // The service runs on it: the release's accounts sign in and every report answers as before.
    let app = TestApp::spawn_on(url, test_settings()).await;
    let admin = app.login("admin@tech4all.test", DEMO_PASSWORD).await;
    let reporter = app.login("reporter@tech4all.test", DEMO_PASSWORD).await;
    let mut compared = 0;
    for entry in std::fs::read_dir(format!("{FIXTURE}/reports")).expect("stored reports") {
        let file = entry.expect("entry").path();
        let stem = file.file_stem().and_then(|s| s.to_str()).expect("name").to_owned();
        let (token, stem) = match stem.strip_prefix("reporter_") {
            Some(rest) => (&reporter, rest.to_owned()),
            None => (&admin, stem),
        };
        let (report, group) = stem.split_once('_').unwrap_or((stem.as_str(), "none"));
        let query = if group == "none" { String::new() } else { format!("?group_by={group}") };
        let stored: Value = serde_json::from_str(&std::fs::read_to_string(&file).expect("reads")).expect("JSON");
        let now = json_ok(app.get(&format!("/api/v1/reports/{report}{query}"), Some(token)).await).await;
        assert_eq!(timeless(now), timeless(stored), "{report}{query} answers as the release did");
        compared += 1;
    }
    assert!(compared >= 20, "every stored report ({compared})");

    // Numbers carry on from the release's last ones.
    let donations = json_ok(app.get("/api/v1/donations?limit=1", Some(&admin)).await).await;
    let path = format!("/api/v1/donations/{}/devices", donations["items"][0]["id"].as_str().expect("a donation"));
    let imported = json_ok(app.post_json(&path, Some(&admin), &json!([{"category": "tablet"}])).await).await;
    assert_eq!(imported["devices"][0]["asset_tag"], format!("T4A-{:06}", tags + 1));
}
