//! Residents and their UK GDPR rights.

use diesel::prelude::*;
use serde_json::{Value, json};
use uuid::Uuid;

use tech4all::auth::Role;

use crate::helpers::{TestApp, assert_problem, json_ok};

#[actix_web::test]
async fn staff_register_residents_and_find_them_by_reference_or_name_and_postcode_only() {
    let app = TestApp::spawn().await;
    let hub = app.insert_hub("Stretford Library");
    let staff = app.user_with(Role::HubStaff, vec![hub], None).await;
    let id = app.resident(&staff.token, "Ada Lovelace").await;
    let resident = json_ok(app.get(&format!("/api/v1/residents/{id}"), Some(&staff.token)).await).await;
    let reference = resident["reference"].as_str().expect("reference").to_owned();
    assert!(reference.starts_with("R-") && reference.len() == 8, "{reference}");
    assert_eq!(resident["postcode"], "M32 0TH");
    assert_eq!(resident["registered_at_hub_id"], hub.to_string());
    assert_eq!(resident["eligibility_verified_by"], staff.id.to_string());

    let by_ref = json_ok(
        app.get(&format!("/api/v1/residents?reference={}", reference.to_lowercase()), Some(&staff.token)).await,
    )
    .await;
    assert_eq!(by_ref["items"][0]["id"], id.to_string());
    let by_name =
        json_ok(app.get("/api/v1/residents?name=ada%20lovelace&postcode=m320th", Some(&staff.token)).await).await;
    assert_eq!(by_name["items"][0]["id"], id.to_string());
    let wrong_postcode =
        json_ok(app.get("/api/v1/residents?name=Ada%20Lovelace&postcode=M33%207YH", Some(&staff.token)).await).await;
    assert_eq!(wrong_postcode["items"], json!([]));
    // No browsing: a bare list, or a name alone, is refused for staff.
    assert_problem(app.get("/api/v1/residents", Some(&staff.token)).await, 403).await;
    assert_problem(app.get("/api/v1/residents?name=Ada%20Lovelace", Some(&staff.token)).await, 400).await;
    let admin = app.admin().await;
    let all = json_ok(app.get("/api/v1/residents", Some(&admin.token)).await).await;
    assert_eq!(all["items"].as_array().map(Vec::len), Some(1));
}

#[actix_web::test]
async fn partners_and_reporters_reach_no_resident_route() {
    let app = TestApp::spawn().await;
    let admin = app.admin().await;
    let id = app.resident(&admin.token, "Grace Hopper").await;
    for role in [Role::Partner, Role::Reporter] {
        let user = app.user(role).await;
        for path in [
            "/api/v1/residents?reference=R-000001".to_owned(),
            format!("/api/v1/residents/{id}"),
            format!("/api/v1/residents/{id}/export"),
        ] {
            assert_problem(app.get(&path, Some(&user.token)).await, 403).await;
        }
        assert_problem(
            app.post_json("/api/v1/residents", Some(&user.token), &json!({"name": "X", "eligibility": "other"})).await,
            403,
        )
        .await;
    }
}

#[actix_web::test]
async fn resident_fields_are_checked() {
    let app = TestApp::spawn().await;
    let admin = app.admin().await;
    let bad =
        json!({"name": " ", "phone": "12", "email": "nope", "postcode": "XYZ", "eligibility": "universal_credit"});
    let problem = assert_problem(app.post_json("/api/v1/residents", Some(&admin.token), &bad).await, 422).await;
    let fields: Vec<&str> =
        problem["errors"].as_array().expect("errors").iter().filter_map(|e| e["field"].as_str()).collect();
    assert_eq!(fields, ["name", "phone", "email", "postcode"]);
    let wrong_kind = json!({"name": "A", "eligibility": "payslip_seen"});
    assert_eq!(
        assert_problem(app.post_json("/api/v1/residents", Some(&admin.token), &wrong_kind).await, 422).await["errors"]
            [0]["field"],
        "eligibility"
    );
    let evidence = json!({"name": "A", "eligibility": "other", "evidence": "scan.pdf"});
    assert_problem(app.post_json("/api/v1/residents", Some(&admin.token), &evidence).await, 422).await;
}

/// Columns kept after erasure, so history and figures stay whole; every other column must be empty.
const KEPT: &[&str] = &[
    "id",
    "scheme_id",
    "reference",
    "ward_id",
    "eligibility",
    "eligibility_verified_by",
    "eligibility_verified_on",
    "contact_consent",
    "registered_at_hub_id",
    "last_activity_at",
    "erased_at",
    "version",
    "created_at",
    "updated_at",
];

#[derive(QueryableByName)]
struct Column {
    #[diesel(sql_type = diesel::sql_types::Text)]
    column_name: String,
}

#[derive(QueryableByName)]
struct Present {
    #[diesel(sql_type = diesel::sql_types::Bool)]
    present: bool,
}

#[actix_web::test]
async fn erasure_removes_every_personal_field_keeps_totals_and_can_be_repeated() {
    let app = TestApp::spawn().await;
    let hub = app.insert_hub("Sale Library");
    let staff = app.user_with(Role::HubStaff, vec![hub], None).await;
    let admin = app.admin().await;
    let id = app.resident(&staff.token, "Mary Somerville").await;
    let address = json!({"address_lines": [" 1 Bridge Street ", "Stretford"]});
    let patched = app.patch_json(&format!("/api/v1/residents/{id}"), Some(&staff.token), Some("*"), &address).await;
    assert_eq!(json_ok(patched).await["address_lines"], json!(["1 Bridge Street", "Stretford"]));
    let device = app.ready_device(hub);
    json_ok(
        app.post_json(
            "/api/v1/sales",
            Some(&staff.token),
            &json!({"device_id": device, "resident_id": id, "payment_method": "cash"}),
        )
        .await,
    )
    .await;
    let before = json_ok(app.get(&format!("/api/v1/sales?resident_id={id}"), Some(&staff.token)).await).await;

    assert_problem(app.post_json(&format!("/api/v1/residents/{id}/erase"), Some(&staff.token), &json!({})).await, 403)
        .await;
    let erased =
        json_ok(app.post_json(&format!("/api/v1/residents/{id}/erase"), Some(&admin.token), &json!({})).await).await;
    assert_eq!(erased["erased"], true);
    for field in ["name", "phone", "email", "postcode", "address_lines"] {
        assert_eq!(erased[field], Value::Null, "{field}");
    }
    assert_eq!(erased["eligibility"], "universal_credit", "the category is kept");

    // Every column of the table that is not on the kept list is now empty.
    let mut conn = app.conn();
    let columns: Vec<Column> = diesel::sql_query(
        "SELECT column_name::text AS column_name FROM information_schema.columns WHERE table_name = 'residents'",
    )
    .load(&mut conn)
    .expect("columns");
    assert!(columns.len() > KEPT.len());
    for column in columns.iter().filter(|c| !KEPT.contains(&c.column_name.as_str())) {
        let present: Present = diesel::sql_query(format!(
            "SELECT {} IS NOT NULL AS present FROM residents WHERE id = '{id}'",
            column.column_name
        ))
        .get_result(&mut conn)
        .expect("reads");
        assert!(!present.present, "{} still holds data after erasure", column.column_name);
    }

    let again =
        json_ok(app.post_json(&format!("/api/v1/residents/{id}/erase"), Some(&admin.token), &json!({})).await).await;
    assert_eq!(again["erased_at"], erased["erased_at"], "erasing twice changes nothing");
    let after = json_ok(app.get(&format!("/api/v1/sales?resident_id={id}"), Some(&staff.token)).await).await;
    assert_eq!(after, before, "sales and their totals are untouched");
    let search =
        json_ok(app.get("/api/v1/residents?name=Mary%20Somerville&postcode=M32%200TH", Some(&staff.token)).await).await;
    assert_eq!(search["items"], json!([]), "an erased resident cannot be found by name");
    assert_problem(
        app.patch_json(&format!("/api/v1/residents/{id}"), Some(&staff.token), Some("*"), &json!({"name": "Back"}))
            .await,
        409,
    )
    .await;
}

#[actix_web::test]
async fn the_export_holds_everything_about_the_resident_and_only_admins_take_it() {
    let app = TestApp::spawn().await;
    let hub = app.insert_hub("Urmston Library");
    let staff = app.user_with(Role::HubStaff, vec![hub], None).await;
    let admin = app.admin().await;
    let id = app.resident(&staff.token, "Rosalind Franklin").await;
    let device = app.ready_device(hub);
    let sale = json_ok(
        app.post_json(
            "/api/v1/sales",
            Some(&staff.token),
            &json!({"device_id": device, "resident_id": id, "payment_method": "card"}),
        )
        .await,
    )
    .await;
    let path = format!("/api/v1/residents/{id}/export");
    assert_problem(app.get(&path, Some(&staff.token)).await, 403).await;
    let response = app.get(&path, Some(&admin.token)).await;
    assert_eq!(response.headers()["cache-control"], "no-store");
    let export = json_ok(response).await;
    assert_eq!(export["resident"]["name"], "Rosalind Franklin");
    assert_eq!(export["resident"]["phone"], "0161 912 2000");
    assert_eq!(export["resident"]["email"], "resident@example.org");
    assert_eq!(export["sales"][0]["receipt_number"], sale["receipt_number"]);
    for key in ["loans", "sim_allocations", "holds"] {
        assert!(export[key].is_array(), "{key}");
    }
}

#[actix_web::test]
async fn the_retention_rule_erases_residents_inactive_for_the_period() {
    let app = TestApp::spawn().await;
    let admin = app.admin().await;
    let stale = app.resident(&admin.token, "Stale Person").await;
    let fresh = app.resident(&admin.token, "Fresh Person").await;
    {
        use tech4all::db::schema::residents;
        diesel::update(residents::table.find(stale))
            .set(residents::last_activity_at.eq(chrono::Utc::now() - chrono::Duration::days(4 * 365)))
            .execute(&mut app.conn())
            .expect("ages");
    }
    let erased = tech4all::residents::repo::apply_retention(&mut app.conn(), 36).expect("applies");
    assert_eq!(erased, 1);
    let stale_view = json_ok(app.get(&format!("/api/v1/residents/{stale}"), Some(&admin.token)).await).await;
    assert_eq!(stale_view["erased"], true);
    let fresh_view = json_ok(app.get(&format!("/api/v1/residents/{fresh}"), Some(&admin.token)).await).await;
    assert_eq!(fresh_view["name"], "Fresh Person");
    let _ = Uuid::now_v7();
}
