//! Many schemes on one service: the platform's routes, a scheme's own rules, numbers per scheme,
//! and the walls between schemes — every route, as every role of one scheme, with another
//! scheme's ids — in the API, in the composite keys, and in row-level security.

use std::collections::{BTreeMap, HashSet};

use diesel::pg::PgConnection;
use diesel::prelude::*;
use diesel::sql_types::{BigInt, Text};
use reqwest::Method;
use serde_json::{Value, json};
use uuid::Uuid;

use tech4all::auth::Role;
use tech4all::bootstrap::DEMO_PASSWORD;
use tech4all::ids::SchemeId;

use crate::helpers::{TestApp, TestUser, assert_problem, json_ok};

/// Creates a scheme as the platform's administrator; returns it and its first admin, signed in.
async fn new_scheme(app: &TestApp, platform: &TestUser, name: &str, code: &str) -> (SchemeId, TestUser) {
    let email = format!("admin-{}@{}.test", Uuid::now_v7().simple(), code.to_lowercase());
    let body = json!({"name": name, "code": code, "admin": {"email": email, "display_name": "First admin"}});
    let response = app.post_json("/api/v1/schemes", Some(&platform.token), &body).await;
    assert_eq!(response.status(), 201, "creates {code}");
    assert_eq!(response.headers()["cache-control"], "no-store");
    let created = json_ok(response).await;
    let password = created["admin_password"].as_str().expect("a generated password, shown once");
    let token = app.login(&email, password).await;
    let id: Uuid = created["admin_user_id"].as_str().and_then(|s| s.parse().ok()).expect("admin id");
    let scheme: Uuid = created["id"].as_str().and_then(|s| s.parse().ok()).expect("scheme id");
    (SchemeId(scheme), TestUser { id, email, token })
}

async fn etag(app: &TestApp, path: &str, token: &str) -> String {
    let response = app.get(path, Some(token)).await;
    assert_eq!(response.status(), 200, "GET {path}");
    response.headers()["etag"].to_str().expect("etag").to_owned()
}

#[actix_web::test]
async fn a_platform_admin_creates_renames_suspends_and_reinstates_schemes() {
    let app = TestApp::spawn().await;
    let platform = app.user(Role::PlatformAdmin).await;
    let trafford = app.admin().await;
    let (stockport, sto_admin) = new_scheme(&app, &platform, "Stockport Device Bank", "STO").await;

    // Codes, names and the first admin's email are unique; nothing is half-made.
    let again = json!({"name": "Other", "code": "STO", "admin": {"email": "x@sto.test", "display_name": "X"}});
    assert_problem(app.post_json("/api/v1/schemes", Some(&platform.token), &again).await, 409).await;
    let taken = json!({"name": "Bury", "code": "BUR", "admin": {"email": trafford.email, "display_name": "X"}});
    assert_problem(app.post_json("/api/v1/schemes", Some(&platform.token), &taken).await, 409).await;
    let weak = json!({"name": "Bury", "code": "BUR", "admin": {"email": "b@bur.test", "display_name": "B", "password": "short"}});
    let problem = assert_problem(app.post_json("/api/v1/schemes", Some(&platform.token), &weak).await, 422).await;
    assert_eq!(problem["errors"][0]["field"], "admin.password");
    let listed = json_ok(app.get("/api/v1/schemes", Some(&platform.token)).await).await;
    let codes: Vec<&str> =
        listed["items"].as_array().expect("items").iter().filter_map(|s| s["code"].as_str()).collect();
    assert_eq!(codes, ["T4A", "STO"], "the councils' schemes, not the platform's own row");
    let platform_row = format!("/api/v1/schemes/{}", SchemeId::PLATFORM);
    assert_problem(app.get(&platform_row, Some(&platform.token)).await, 404).await;

    // The new scheme starts with the default rules and its own prefixes.
    let own = json_ok(app.get("/api/v1/scheme", Some(&sto_admin.token)).await).await;
    assert_eq!((own["code"].as_str(), own["asset_tag_prefix"].as_str()), (Some("STO"), Some("STO")));
    assert_eq!((own["receipt_prefix"].as_str(), own["sale_price_pence"].as_i64()), (Some("STO-S"), Some(6000)));
    assert_eq!(own["loan_defaults"]["loan_days"], 21);

    // Each role keeps to its side.
    assert_problem(app.get("/api/v1/schemes", Some(&trafford.token)).await, 403).await;
    assert_problem(app.get("/api/v1/devices", Some(&platform.token)).await, 403).await;
    assert_problem(app.get("/api/v1/scheme", Some(&platform.token)).await, 403).await;
    assert_eq!(json_ok(app.get("/api/v1/me", Some(&platform.token)).await).await["role"], "platform_admin");

    // Rename with If-Match; suspend: its users are refused at once, tokens included; reinstate.
    let path = format!("/api/v1/schemes/{stockport}");
    let rename = json!({"name": "Stockport Digital Inclusion"});
    assert_problem(app.patch_json(&path, Some(&platform.token), None, &rename).await, 428).await;
    let tag = etag(&app, &path, &platform.token).await;
    let renamed = json_ok(app.patch_json(&path, Some(&platform.token), Some(&tag), &rename).await).await;
    assert_eq!(renamed["name"], "Stockport Digital Inclusion");
    let tag = etag(&app, &path, &platform.token).await;
    let suspend = json!({"status": "suspended"});
    let suspended = json_ok(app.patch_json(&path, Some(&platform.token), Some(&tag), &suspend).await).await;
    assert!(suspended["suspended_at"].is_string());
    let refused = assert_problem(app.get("/api/v1/scheme", Some(&sto_admin.token)).await, 403).await;
    assert_eq!(refused["type"], "/problems/scheme-suspended");
    let login = json!({"email": sto_admin.email, "password": "irrelevant but long"});
    assert_problem(app.post_json("/api/v1/auth/login", None, &login).await, 401).await;
    assert_eq!(app.get("/api/v1/scheme", Some(&trafford.token)).await.status(), 200, "other schemes carry on");
    let tag = etag(&app, &path, &platform.token).await;
    let back = json!({"status": "active"});
    let active = json_ok(app.patch_json(&path, Some(&platform.token), Some(&tag), &back).await).await;
    assert_eq!((active["status"].as_str(), active["suspended_at"].as_str()), (Some("active"), None));
    assert_eq!(app.get("/api/v1/scheme", Some(&sto_admin.token)).await.status(), 200, "nothing was deleted");
}

#[actix_web::test]
async fn a_suspended_schemes_users_cannot_sign_in() {
    let app = TestApp::spawn().await;
    let platform = app.user(Role::PlatformAdmin).await;
    let email = format!("first-{}@bur.test", Uuid::now_v7().simple());
    let body = json!({"name": "Bury", "code": "BUR", "admin": {"email": email, "display_name": "B", "password": "a long enough password"}});
    let created = json_ok(app.post_json("/api/v1/schemes", Some(&platform.token), &body).await).await;
    assert!(created.get("admin_password").is_none(), "a password given is never echoed");
    let path = format!("/api/v1/schemes/{}", created["id"].as_str().expect("id"));
    let tag = etag(&app, &path, &platform.token).await;
    json_ok(app.patch_json(&path, Some(&platform.token), Some(&tag), &json!({"status": "suspended"})).await).await;
    let login = json!({"email": email, "password": "a long enough password"});
    let refused = assert_problem(app.post_json("/api/v1/auth/login", None, &login).await, 403).await;
    assert_eq!(refused["type"], "/problems/scheme-suspended");
}

#[actix_web::test]
async fn a_schemes_rules_are_its_own_and_change_with_if_match() {
    let app = TestApp::spawn().await;
    let platform = app.user(Role::PlatformAdmin).await;
    let admin = app.admin().await;
    let (_, sto_admin) = new_scheme(&app, &platform, "Stockport", "STO").await;
    let change = json!({"sale_price_pence": 5000, "household_rule_months": 0, "loan_defaults": {"loan_days": 28}});
    assert_problem(app.patch_json("/api/v1/scheme", Some(&admin.token), None, &change).await, 428).await;
    assert_problem(app.patch_json("/api/v1/scheme", Some(&admin.token), Some("\"99\""), &change).await, 412).await;
    let tag = etag(&app, "/api/v1/scheme", &admin.token).await;
    let changed = json_ok(app.patch_json("/api/v1/scheme", Some(&admin.token), Some(&tag), &change).await).await;
    assert_eq!(
        (changed["sale_price_pence"].as_i64(), changed["loan_defaults"]["loan_days"].as_i64()),
        (Some(5000), Some(28))
    );
    let staff = app.user(Role::HubStaff).await;
    assert_problem(app.patch_json("/api/v1/scheme", Some(&staff.token), Some("*"), &change).await, 403).await;
    assert_eq!(json_ok(app.get("/api/v1/scheme", Some(&staff.token)).await).await["sale_price_pence"], 5000);
    let other = json_ok(app.get("/api/v1/scheme", Some(&sto_admin.token)).await).await;
    assert_eq!(
        (other["sale_price_pence"].as_i64(), other["loan_defaults"]["loan_days"].as_i64()),
        (Some(6000), Some(21))
    );

    let bad = json!({"sim_limit_per_resident": 0, "receipt_prefix": "s-", "loan_defaults": {"hold_days": 0}});
    let problem =
        assert_problem(app.patch_json("/api/v1/scheme", Some(&admin.token), Some("*"), &bad).await, 422).await;
    let fields: Vec<&str> =
        problem["errors"].as_array().expect("errors").iter().filter_map(|e| e["field"].as_str()).collect();
    assert_eq!(fields, ["sim_limit_per_resident", "receipt_prefix", "loan_defaults.hold_days"]);
    let unknown = json!({"default_factor_set_id": Uuid::now_v7()});
    let problem =
        assert_problem(app.patch_json("/api/v1/scheme", Some(&admin.token), Some("*"), &unknown).await, 422).await;
    assert_eq!(problem["errors"][0]["field"], "default_factor_set_id");

    // The price the scheme set is what a sale charges.
    let hub = app.insert_hub("Price hub");
    let device = app.ready_device(hub);
    let resident = app.resident(&admin.token, "Paying Resident").await;
    let sale = json!({"device_id": device, "resident_id": resident, "payment_method": "cash"});
    let sold = json_ok(app.post_json("/api/v1/sales", Some(&admin.token), &sale).await).await;
    assert_eq!(sold["price_pence"], 5000);
}

/// Donation of `serials` (laptops) at a new hub, by `admin`; returns (hub, asset tags).
async fn donate(app: &TestApp, admin: &TestUser, serials: &[&str]) -> (Uuid, Vec<String>) {
    let n = Uuid::now_v7().simple().to_string();
    let hub = json_ok(
        app.post_json("/api/v1/hubs", Some(&admin.token), &json!({"name": format!("Hub {n}"), "kind": "library"}))
            .await,
    )
    .await;
    let donor = json_ok(
        app.post_json(
            "/api/v1/organisations",
            Some(&admin.token),
            &json!({"name": format!("Donor {n}"), "roles": ["donor"]}),
        )
        .await,
    )
    .await;
    let donation = json!({"donor_id": donor["id"], "hub_id": hub["id"], "received_on": "2026-11-20"});
    let donation = json_ok(app.post_json("/api/v1/donations", Some(&admin.token), &donation).await).await;
    let path = format!("/api/v1/donations/{}/devices", donation["id"].as_str().expect("id"));
    let rows: Vec<Value> =
        serials.iter().map(|s| json!({"category": "laptop", "make": "Dell", "serial_number": s})).collect();
    let imported = json_ok(app.post_json(&path, Some(&admin.token), &json!(rows)).await).await;
    let tags = imported["devices"]
        .as_array()
        .expect("devices")
        .iter()
        .filter_map(|d| d["asset_tag"].as_str().map(str::to_owned))
        .collect();
    (hub["id"].as_str().and_then(|s| s.parse().ok()).expect("hub id"), tags)
}

#[actix_web::test]
async fn numbers_and_serials_are_per_scheme() {
    let app = TestApp::spawn().await;
    let platform = app.user(Role::PlatformAdmin).await;
    let admin = app.admin().await;
    let (stockport, sto_admin) = new_scheme(&app, &platform, "Stockport", "STO").await;
    let (sto_hub, sto_tags) = donate(&app, &sto_admin, &["SAME-1", "SAME-2"]).await;
    assert_eq!(sto_tags, ["STO-000001", "STO-000002"], "numbered from 1 with the scheme's prefix");
    let (_, t4a_tags) = donate(&app, &admin, &["SAME-1"]).await;
    assert!(t4a_tags[0].starts_with("T4A-"), "another scheme may hold the same serial: {t4a_tags:?}");
    let again = donate_expecting_refusal(&app, &sto_admin, "SAME-1").await;
    assert_eq!(again, 422, "a serial is unique within its scheme");
    let (_, next) = donate(&app, &sto_admin, &["OTHER-1"]).await;
    assert_eq!(next, ["STO-000003"], "a refused import leaves no gap");

    let year = chrono::Utc::now().format("%Y").to_string();
    let device = app.ready_device_in(stockport, sto_hub, "laptop", Some(1600));
    let resident = app.resident(&sto_admin.token, "Stockport Buyer").await;
    let sale = json!({"device_id": device, "resident_id": resident, "payment_method": "card"});
    let sold = json_ok(app.post_json("/api/v1/sales", Some(&sto_admin.token), &sale).await).await;
    assert_eq!(sold["receipt_number"], format!("STO-S-{year}-000001"));
    assert_eq!(sold["price_pence"], 6000);
    let hub = app.insert_hub("Trafford till");
    let device = app.ready_device(hub);
    let resident = app.resident(&admin.token, "Trafford Buyer").await;
    let sale = json!({"device_id": device, "resident_id": resident, "payment_method": "card"});
    let sold = json_ok(app.post_json("/api/v1/sales", Some(&admin.token), &sale).await).await;
    assert_eq!(sold["receipt_number"], format!("S-{year}-000001"), "each scheme counts its own receipts");
}

async fn donate_expecting_refusal(app: &TestApp, admin: &TestUser, serial: &str) -> u16 {
    let donations = json_ok(app.get("/api/v1/donations?limit=1", Some(&admin.token)).await).await;
    let path = format!("/api/v1/donations/{}/devices", donations["items"][0]["id"].as_str().expect("a donation"));
    let rows = json!([{"category": "laptop", "make": "Dell", "serial_number": serial}]);
    app.post_json(&path, Some(&admin.token), &rows).await.status().as_u16()
}

/// Scheme-owned tables with an `id` column, and the text columns that carry a scheme's numbers.
const WITH_IDS: &[&str] = &[
    "hubs",
    "stocktakes",
    "accessory_kinds",
    "agreement_terms",
    "closures",
    "device_resets",
    "wards",
    "organisations",
    "users",
    "api_keys",
    "donations",
    "devices",
    "device_events",
    "refurbishment_jobs",
    "wipe_records",
    "disposal_records",
    "residents",
    "sales_sessions",
    "sales",
    "sim_batches",
    "sims",
    "sim_allocations",
    "loan_rules",
    "loans",
    "holds",
    "webhooks",
];

/// Every scheme-owned table.
fn scheme_tables(conn: &mut PgConnection) -> Vec<String> {
    #[derive(QueryableByName)]
    struct Table {
        #[diesel(sql_type = Text)]
        name: String,
    }
    diesel::sql_query(
        "SELECT c.relname::text AS name FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace \
         JOIN pg_attribute a ON a.attrelid = c.oid AND a.attname = 'scheme_id' \
         WHERE n.nspname = 'public' AND c.relkind = 'r' AND c.relname NOT IN ('impact_factor_sets') ORDER BY 1",
    )
    .load::<Table>(conn)
    .expect("tables")
    .into_iter()
    .map(|t| t.name)
    .collect()
}

/// A digest of every row `scheme` holds, table by table (read as the owner, past row-level security).
fn snapshot(conn: &mut PgConnection, scheme: SchemeId) -> BTreeMap<String, String> {
    #[derive(QueryableByName)]
    struct Digest {
        #[diesel(sql_type = Text)]
        digest: String,
    }
    let mut out = BTreeMap::new();
    for table in scheme_tables(conn) {
        let digest = diesel::sql_query(format!(
            "SELECT count(*)::text || ':' || coalesce(md5(string_agg(t::text, '|' ORDER BY t::text)), '') AS digest \
             FROM {table} t WHERE scheme_id = '{scheme}'"
        ))
        .get_result::<Digest>(conn)
        .expect("digest");
        out.insert(table, digest.digest);
    }
    out
}

/// The ids and numbers of `scheme`'s records, as they would appear in a response.
fn tokens_of(conn: &mut PgConnection, scheme: SchemeId) -> HashSet<String> {
    #[derive(QueryableByName)]
    struct Token {
        #[diesel(sql_type = Text)]
        token: String,
    }
    let mut queries: Vec<String> =
        WITH_IDS.iter().map(|t| format!("SELECT id::text AS token FROM {t} WHERE scheme_id = '{scheme}'")).collect();
    queries.push(format!("SELECT asset_tag AS token FROM devices WHERE scheme_id = '{scheme}'"));
    queries.push(format!("SELECT reference AS token FROM residents WHERE scheme_id = '{scheme}'"));
    queries.push(format!("SELECT receipt_number AS token FROM sales WHERE scheme_id = '{scheme}'"));
    queries.push(format!("SELECT id::text AS token FROM impact_factor_sets WHERE scheme_id = '{scheme}'"));
    let mut tokens = HashSet::new();
    for query in queries {
        tokens.extend(diesel::sql_query(query).load::<Token>(conn).expect("tokens").into_iter().map(|t| t.token));
    }
    tokens
}

fn first_id(conn: &mut PgConnection, table: &str, scheme: SchemeId) -> Uuid {
    #[derive(QueryableByName)]
    struct Id {
        #[diesel(sql_type = diesel::sql_types::Uuid)]
        id: Uuid,
    }
    diesel::sql_query(format!("SELECT id FROM {table} WHERE scheme_id = '{scheme}' ORDER BY id LIMIT 1"))
        .get_result::<Id>(conn)
        .unwrap_or_else(|e| panic!("scheme {scheme} has a row in {table}: {e}"))
        .id
}

/// The table whose record a route's `{id}` names.
fn table_of(path: &str) -> &'static str {
    let resource = path.trim_start_matches("/api/v1/").split('/').next().unwrap_or_default();
    match resource {
        "users" => "users",
        "hubs" => "hubs",
        "wards" => "wards",
        "organisations" => "organisations",
        "donations" => "donations",
        "devices" => "devices",
        "refurbishment-jobs" => "refurbishment_jobs",
        "residents" => "residents",
        "sales-sessions" => "sales_sessions",
        "sales" => "sales",
        "sim-batches" => "sim_batches",
        "sim-allocations" => "sim_allocations",
        "loan-rules" => "loan_rules",
        "loans" => "loans",
        "holds" => "holds",
        "closures" => "closures",
        "stocktakes" => "stocktakes",
        "accessory-kinds" => "accessory_kinds",
        "agreements" => "agreement_terms",
        "webhooks" => "webhooks",
        "impact" => "impact_factor_sets",
        other => panic!("no table for the route {path} ({other}); add it here"),
    }
}

/// Filters naming the other scheme's records, for the collections that take them.
fn foreign_filters(path: &str, ids: &BTreeMap<&str, Uuid>) -> Option<String> {
    let hub = ids["hubs"];
    Some(match path {
        "/api/v1/devices" => format!("?hub_id={hub}&donation_id={}", ids["donations"]),
        "/api/v1/donations" => format!("?hub_id={hub}&donor_id={}", ids["organisations"]),
        "/api/v1/loans" => format!("?resident_id={}&hub_id={hub}", ids["residents"]),
        "/api/v1/sales" => format!("?resident_id={}&hub_id={hub}", ids["residents"]),
        "/api/v1/users" => format!("?hub_id={hub}"),
        _ => return None,
    })
}

/// Every token of a response body (ids, asset tags, references, receipt numbers).
fn words(body: &str) -> impl Iterator<Item = &str> {
    body.split(|c: char| !(c.is_ascii_alphanumeric() || c == '-')).filter(|w| w.len() >= 6)
}

#[actix_web::test]
async fn every_route_refuses_another_schemes_records_for_every_role() {
    let app = TestApp::spawn().await;
    tech4all::demo::seed_year(&mut app.conn(), SchemeId::FIRST).expect("Trafford's year");
    let platform = app.user(Role::PlatformAdmin).await;
    let mut roles = vec![app.admin().await];
    for who in ["staff", "partner", "reporter"] {
        let email = format!("{who}@tech4all.test");
        let token = app.login(&email, DEMO_PASSWORD).await;
        roles.push(TestUser { id: Uuid::nil(), email, token });
    }
    let reports = ["/api/v1/reports/sustainability?group_by=hub", "/api/v1/reports/distribution?group_by=ward"];
    let mut before = Vec::new();
    for path in reports {
        before.push(json_ok(app.get(path, Some(&roles[0].token)).await).await);
    }

    // The other scheme holds a year of records too, a key and a factor set of its own.
    let (other, other_admin) = new_scheme(&app, &platform, "Other borough", "OTH").await;
    tech4all::demo::seed_year(&mut app.conn(), other).expect("the other scheme's year");
    let their_hub = first_id(&mut app.conn(), "hubs", other);
    json_ok(app.post_json("/api/v1/stocktakes", Some(&other_admin.token), &json!({"hub_id": their_hub})).await).await;
    let hook = json!({"url": "https://other.example.org/hooks", "event_types": ["sale.made"]});
    json_ok(app.post_json("/api/v1/webhooks", Some(&other_admin.token), &hook).await).await;
    let key_path = format!("/api/v1/users/{}/api-keys", other_admin.id);
    let key = json_ok(app.post_json(&key_path, Some(&other_admin.token), &json!({"name": "other key"})).await).await;
    let factors: serde_json::Map<String, Value> = tech4all::devices::models::Category::ALL
        .iter()
        .map(|c| (c.to_string(), json!({"manufacture_co2e_kg": 10, "weight_kg": 1})))
        .collect();
    let set = json!({"name": "Own set", "version": "1", "source": "s", "displacement": 0.5, "factors": factors});
    json_ok(app.post_json("/api/v1/impact/factor-sets", Some(&other_admin.token), &set).await).await;

    let mut owner = app.conn();
    // Numbers repeat across schemes by design (each has its R-000001); ids never do.
    let ours = tokens_of(&mut owner, SchemeId::FIRST);
    let theirs: HashSet<String> = tokens_of(&mut owner, other).difference(&ours).cloned().collect();
    let unchanged = snapshot(&mut owner, other);
    let mut ids: BTreeMap<&str, Uuid> = BTreeMap::new();
    for table in WITH_IDS.iter().copied().chain(["impact_factor_sets"]) {
        if table != "disposal_records" {
            ids.insert(table, first_id(&mut owner, table, other));
        }
    }
    let tag: String = tech4all::db::schema::devices::table
        .filter(tech4all::db::schema::devices::scheme_id.eq(other.uuid()))
        .select(tech4all::db::schema::devices::asset_tag)
        .first(&mut owner)
        .expect("a tag");

    let mut checked = 0;
    for user in &roles {
        for (method, path) in tech4all::route_table().list() {
            if crate::roles::PUBLIC.contains(&path.as_str())
                || path.starts_with("/api/v1/scheme")
                || path.starts_with("/api/v1/me")
            {
                continue;
            }
            let url = if path.contains("{id}") {
                let id = if path.starts_with("/api/v1/users/") { other_admin.id } else { ids[table_of(&path)] };
                path.replace("{id}", &id.to_string())
                    .replace("{key_id}", key["id"].as_str().expect("key id"))
                    .replace("{reset_id}", &ids["device_resets"].to_string())
            } else {
                let url = path.replace("{tag}", &tag);
                match (method.as_str(), foreign_filters(&path, &ids)) {
                    ("GET", Some(query)) => format!("{url}{query}"),
                    _ => url,
                }
            };
            let mut request = app.request(method.parse::<Method>().expect("method"), &url, Some(&user.token));
            let mut names_their_hub = false;
            if method == "POST" || method == "PATCH" || method == "PUT" {
                let body = crate::roles::body_for(&method, &path, ids["hubs"]);
                names_their_hub = body.to_string().contains(&ids["hubs"].to_string());
                request = request.json(&body).header("if-match", "*");
            }
            let response = request.send().await.expect("sent");
            let status = response.status().as_u16();
            let body = response.text().await.expect("body");
            let named_theirs = path.contains("{id}") || path.contains("{tag}");
            let start: String = body.chars().take(300).collect();
            assert!(status < 500, "{} {method} {url}: {status} {start}", user.email);
            if named_theirs {
                assert!(
                    matches!(status, 403 | 404 | 422),
                    "{} {method} {url} names the other scheme's record: {status} {start}",
                    user.email
                );
            }
            if names_their_hub {
                // A donation, pop-up, SIM batch or hold at their hub is never made here.
                assert!(
                    matches!(status, 400 | 403 | 404 | 422),
                    "{} {method} {url} with their hub in the body: {status} {start}",
                    user.email
                );
            }
            if let Some(word) = words(&body).find(|w| theirs.contains(*w)) {
                let start: String = body.chars().take(300).collect();
                panic!("{} {method} {url} answered with the other scheme's {word}: {start}", user.email);
            }
            checked += 1;
        }
    }
    assert!(checked > 300, "every route, every role ({checked} requests)");
    assert_eq!(snapshot(&mut owner, other), unchanged, "nothing of the other scheme changed");
    for (path, before) in reports.iter().zip(before) {
        let after = json_ok(app.get(path, Some(&roles[0].token)).await).await;
        assert_eq!(after, before, "{path}: the other scheme's year counts nowhere in this one's reports");
    }
}

#[actix_web::test]
async fn the_database_refuses_references_across_schemes_and_shows_nothing_without_a_scheme() {
    let app = TestApp::spawn().await;
    let platform = app.user(Role::PlatformAdmin).await;
    let (other, _) = new_scheme(&app, &platform, "Other borough", "OTH").await;
    let ours = app.insert_hub("Our hub");
    let our_device = app.ready_device(ours);
    let mut theirs_conn = app.conn_in(other);
    let their_hub = Uuid::now_v7();
    diesel::sql_query(format!("INSERT INTO hubs (id, name, kind) VALUES ('{their_hub}', 'Their hub', 'library')"))
        .execute(&mut theirs_conn)
        .expect("their hub");
    let their_resident: Uuid = diesel::sql_query(
        "INSERT INTO residents (id, name, eligibility, eligibility_verified_on) \
         VALUES (gen_random_uuid(), 'Their resident', 'other', current_date) RETURNING id",
    )
    .get_result::<IdRow>(&mut theirs_conn)
    .expect("their resident")
    .id;

    // Composite keys: a loan in their scheme pointing at our device is refused by the database,
    // even written by the owner, past row-level security.
    let loan = format!(
        "INSERT INTO loans (id, device_id, resident_id, hub_id, due_on) VALUES (gen_random_uuid(), '{our_device}', '{their_resident}', '{their_hub}', current_date + 21)"
    );
    let refused = diesel::sql_query(&loan).execute(&mut theirs_conn).expect_err("a cross-scheme loan");
    assert!(refused.to_string().contains("loans_device_id_fkey"), "{refused}");
    let moved = diesel::sql_query(format!("UPDATE devices SET hub_id = '{their_hub}' WHERE id = '{our_device}'"))
        .execute(&mut app.conn())
        .expect_err("our device at their hub");
    assert!(moved.to_string().contains("devices_hub_id_fkey"), "{moved}");

    // Row-level security: the service's role sees nothing before a scheme is entered, and only
    // that scheme's rows after; it cannot write into another.
    let mut service = PgConnection::establish(&app.db_url).expect("connects");
    diesel::sql_query("SET ROLE tech4all_app").execute(&mut service).expect("takes the service's role");
    let count = |conn: &mut PgConnection, table: &str| -> i64 {
        diesel::sql_query(format!("SELECT count(*) AS n FROM {table}")).get_result::<Count>(conn).expect("count").n
    };
    for table in ["hubs", "devices", "residents", "users"] {
        assert_eq!(count(&mut service, table), 0, "{table} without a scheme");
    }
    tech4all::db::enter_scheme(&mut service, other).expect("enters theirs");
    assert_eq!(count(&mut service, "hubs"), 1, "only their hub");
    assert_eq!(count(&mut service, "devices"), 0, "none of our devices");
    let sneak = format!(
        "INSERT INTO hubs (id, name, kind, scheme_id) VALUES (gen_random_uuid(), 'Sneak', 'library', '{}')",
        SchemeId::FIRST
    );
    let refused = diesel::sql_query(sneak).execute(&mut service).expect_err("writing into another scheme");
    assert!(refused.to_string().contains("row-level security"), "{refused}");
    let hidden = diesel::sql_query(format!("UPDATE devices SET notes = 'x' WHERE id = '{our_device}'"))
        .execute(&mut service)
        .expect("runs");
    assert_eq!(hidden, 0, "our device cannot be touched from their scheme");
}

#[derive(QueryableByName)]
struct IdRow {
    #[diesel(sql_type = diesel::sql_types::Uuid)]
    id: Uuid,
}

#[derive(QueryableByName)]
struct Count {
    #[diesel(sql_type = BigInt)]
    n: i64,
}

/// What Citus needs to distribute every scheme-owned table by `scheme_id` and co-locate them:
/// every primary key and unique constraint starts with it, and every foreign key between them
/// includes it. Read from PostgreSQL's catalog, so a table or key added later is checked too.
#[actix_web::test]
async fn every_key_of_every_scheme_owned_table_includes_the_scheme() {
    let app = TestApp::spawn().await;
    #[derive(QueryableByName)]
    struct Offender {
        #[diesel(sql_type = Text)]
        what: String,
    }
    let offenders = diesel::sql_query(
        "WITH platform (name) AS (VALUES ('schemes'), ('sign_in_emails'), ('api_key_prefixes'), \
             ('idempotency_keys'), ('login_failures'), ('impact_factor_sets'), ('impact_factors'), \
             ('__diesel_schema_migrations')), \
         owned AS ( \
             SELECT c.oid FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace \
             JOIN pg_attribute a ON a.attrelid = c.oid AND a.attname = 'scheme_id' AND a.attnotnull \
             WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p') \
               AND c.relname NOT IN (SELECT name FROM platform)), \
         scheme_col AS (SELECT attrelid, attnum FROM pg_attribute WHERE attname = 'scheme_id') \
         SELECT c.conrelid::regclass::text || ' ' || c.conname AS what FROM pg_constraint c \
         JOIN owned o ON o.oid = c.conrelid JOIN scheme_col s ON s.attrelid = c.conrelid \
         WHERE (c.contype IN ('p', 'u') AND c.conkey[1] <> s.attnum) \
            OR (c.contype = 'f' AND c.confrelid IN (SELECT oid FROM owned) \
                AND NOT (s.attnum = ANY (c.conkey) \
                         AND (SELECT attnum FROM scheme_col WHERE attrelid = c.confrelid) = ANY (c.confkey))) \
         UNION ALL \
         SELECT i.indexrelid::regclass::text FROM pg_index i JOIN owned o ON o.oid = i.indrelid \
         JOIN scheme_col s ON s.attrelid = i.indrelid \
         WHERE i.indisunique AND i.indkey[0] <> s.attnum \
         UNION ALL \
         SELECT c.relname::text || ' has no scheme_id' FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace \
         WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p') AND NOT c.relispartition \
           AND c.oid NOT IN (SELECT oid FROM owned) AND c.relname NOT IN (SELECT name FROM platform) \
         ORDER BY 1",
    )
    .load::<Offender>(&mut app.conn())
    .expect("reads the catalog");
    let offenders: Vec<String> = offenders.into_iter().map(|o| o.what).collect();
    assert!(
        offenders.is_empty(),
        "keys without scheme_id, or tables of no scheme not on the platform list: {offenders:?}"
    );
    // The check itself sees what it should: the schemes table's keys are the platform's.
    let tables = scheme_tables(&mut app.conn());
    assert!(tables.len() >= 25 && tables.contains(&"devices".to_owned()) && tables.contains(&"loans".to_owned()));
}

#[actix_web::test]
async fn a_network_reporter_sees_each_granted_scheme_or_their_sum() {
    let app = TestApp::spawn().await;
    tech4all::demo::seed_year(&mut app.conn(), SchemeId::FIRST).expect("Trafford's year");
    let platform = app.user(Role::PlatformAdmin).await;
    let trafford = app.admin().await;
    let (other, other_admin) = new_scheme(&app, &platform, "Other borough", "OTH").await;
    tech4all::demo::seed_year(&mut app.conn(), other).expect("the other scheme's year");
    // The combined authority's reporter belongs to a scheme of its own.
    let (network, network_admin) = new_scheme(&app, &platform, "Combined authority", "GMCA").await;
    let email = format!("analyst-{}@gmca.test", Uuid::now_v7().simple());
    let reporter =
        json!({"email": email, "display_name": "Analyst", "role": "reporter", "password": "a long enough password"});
    json_ok(app.post_json("/api/v1/users", Some(&network_admin.token), &reporter).await).await;
    let analyst = app.login(&email, "a long enough password").await;

    let (first, second) = (SchemeId::FIRST, other);
    let grants = |scheme: SchemeId| format!("/api/v1/schemes/{scheme}/report-grants");
    for scheme in [first, second] {
        let granted = app.post_json(&grants(scheme), Some(&platform.token), &json!({"email": email})).await;
        assert_eq!(granted.status(), 201, "grants {scheme}");
    }
    let listed = json_ok(app.get(&grants(first), Some(&platform.token)).await).await;
    assert_eq!(listed["items"][0]["email"], email.as_str());
    let not_reporter = json!({"email": trafford.email});
    let problem = assert_problem(app.post_json(&grants(second), Some(&platform.token), &not_reporter).await, 422).await;
    assert_eq!(problem["errors"][0]["field"], "email");
    let nobody = json!({"email": "nobody@nowhere.test"});
    assert_problem(app.post_json(&grants(second), Some(&platform.token), &nobody).await, 422).await;
    assert_problem(app.post_json(&grants(first), Some(&trafford.token), &json!({"email": email})).await, 403).await;

    let totals = |report: &Value| report["totals"].clone();
    let path = "/api/v1/reports/sustainability";
    let one = json_ok(app.get(path, Some(&trafford.token)).await).await;
    let two = json_ok(app.get(path, Some(&other_admin.token)).await).await;
    let summed = json_ok(app.get(&format!("{path}?schemes={first},{second}"), Some(&analyst)).await).await;
    let add = |field: &str| one["totals"][field].as_f64().unwrap_or(0.0) + two["totals"][field].as_f64().unwrap_or(0.0);
    assert!(one["totals"]["devices_reused"].as_i64().is_some_and(|n| n > 0));
    assert_eq!(summed["totals"]["devices_reused"].as_f64(), Some(add("devices_reused")), "the sum of the two");
    assert!((summed["totals"]["co2e_saved_kg"].as_f64().unwrap_or(0.0) - add("co2e_saved_kg")).abs() < 0.001);
    let each =
        json_ok(app.get(&format!("{path}?schemes={first},{second}&group_by=scheme"), Some(&analyst)).await).await;
    let groups: BTreeMap<String, Value> = each["groups"]
        .as_array()
        .expect("groups")
        .iter()
        .map(|g| (g["scheme_id"].as_str().unwrap_or_default().to_owned(), g["devices_reused"].clone()))
        .collect();
    assert_eq!(groups[&first.to_string()], totals(&one)["devices_reused"], "each scheme on its own");
    assert_eq!(groups[&second.to_string()], totals(&two)["devices_reused"]);
    let own = json_ok(app.get(path, Some(&analyst)).await).await;
    assert_eq!(own["totals"]["devices_reused"], 0, "without schemes=, the reporter's own scheme");

    // The exclusion-risk view is built from residents: the schemes are added up, then suppressed.
    let exclusion = "/api/v1/reports/exclusion-risk";
    let reached = |r: &Value| r["totals"]["residents_reached"].as_i64().unwrap_or(0);
    let a = reached(&json_ok(app.get(exclusion, Some(&trafford.token)).await).await);
    let b = reached(&json_ok(app.get(exclusion, Some(&other_admin.token)).await).await);
    let both = json_ok(app.get(&format!("{exclusion}?schemes={first},{second}"), Some(&analyst)).await).await;
    assert_eq!(reached(&both), a + b);
    let distribution = format!("/api/v1/reports/distribution?schemes={first},{second}&group_by=scheme");
    assert_eq!(json_ok(app.get(&distribution, Some(&analyst)).await).await["groups"].as_array().map(Vec::len), Some(2));

    // Only what was granted, and only to reporters.
    let elsewhere = format!("{path}?schemes={network},{}", SchemeId::PLATFORM);
    assert_problem(app.get(&elsewhere, Some(&analyst)).await, 422).await;
    let problem = assert_problem(app.get(&format!("{path}?schemes={second}"), Some(&trafford.token)).await, 422).await;
    assert_eq!(problem["errors"][0]["field"], "schemes");
    assert_problem(app.get(&format!("{path}?schemes=not-an-id"), Some(&analyst)).await, 400).await;
    let revoke = format!("{}/{}", grants(second), listed["items"][0]["user_id"].as_str().expect("user"));
    assert_eq!(app.request(Method::DELETE, &revoke, Some(&platform.token)).send().await.expect("sent").status(), 204);
    assert_problem(app.get(&format!("{path}?schemes={second}"), Some(&analyst)).await, 422).await;
    assert_eq!(
        app.get(&format!("{path}?schemes={first}"), Some(&analyst)).await.status(),
        200,
        "the other grant stays"
    );
}
