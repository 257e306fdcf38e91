use serde_json::json;

use tech4all::auth::Role;

use crate::helpers::{TestApp, assert_problem, json_ok};

#[actix_web::test]
async fn an_organisation_plays_several_parts_and_hub_staff_can_read_it() {
    let app = TestApp::spawn().await;
    let admin = app.admin().await;
    let body = json!({
        "name": "Trafford Housing Trust",
        "roles": ["donor", "recycler", "donor"],
        "contact_name": "Sam Patel",
        "contact_email": "Sam.Patel@example.org",
        "notes": "Collects from Sale office"
    });
    let response = app.post_json("/api/v1/organisations", Some(&admin.token), &body).await;
    assert_eq!(response.status(), 201);
    let org = json_ok(response).await;
    assert_eq!(org["roles"], json!(["donor", "recycler"]), "stored once each, in a stable order");
    assert_eq!(org["contact_email"], "sam.patel@example.org");

    let staff = app.user(Role::HubStaff).await;
    let donors = json_ok(app.get("/api/v1/organisations?role=donor", Some(&staff.token)).await).await;
    assert_eq!(donors["items"].as_array().map(Vec::len), Some(1));
    assert_problem(app.post_json("/api/v1/organisations", Some(&staff.token), &body).await, 403).await;
    let reporter = app.user(Role::Reporter).await;
    assert_problem(app.get("/api/v1/organisations", Some(&reporter.token)).await, 403).await;
}

#[actix_web::test]
async fn a_partner_sees_only_its_own_organisation() {
    let app = TestApp::spawn().await;
    let own = app.insert_organisation("Community Computers");
    let other = app.insert_organisation("Other Refurbisher");
    let partner = app.user_with(Role::Partner, vec![], Some(own)).await;
    assert_eq!(app.get(&format!("/api/v1/organisations/{own}"), Some(&partner.token)).await.status(), 200);
    assert_problem(app.get(&format!("/api/v1/organisations/{other}"), Some(&partner.token)).await, 404).await;
}

#[actix_web::test]
async fn an_organisation_needs_a_part_to_play() {
    let app = TestApp::spawn().await;
    let admin = app.admin().await;
    let problem = assert_problem(
        app.post_json("/api/v1/organisations", Some(&admin.token), &json!({"name": "Nobody", "roles": []})).await,
        422,
    )
    .await;
    assert_eq!(problem["errors"][0]["field"], "roles");
    let problem = assert_problem(
        app.post_json("/api/v1/organisations", Some(&admin.token), &json!({"name": "X", "roles": ["baker"]})).await,
        422,
    )
    .await;
    assert_eq!(problem["errors"][0]["field"], "roles[0]");
}
