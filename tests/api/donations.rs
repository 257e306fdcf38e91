use serde_json::{Value, json};
use uuid::Uuid;

use tech4all::auth::Role;

use crate::helpers::{TestApp, assert_problem, json_ok};

pub async fn create_donation(app: &TestApp, token: &str, donor: Uuid, hub: Uuid) -> Value {
    let body = json!({"donor_id": donor, "hub_id": hub, "received_on": "2026-11-20", "donor_reference": "RM-2026-44", "declared_device_count": 3});
    let response = app.post_json("/api/v1/donations", Some(token), &body).await;
    assert_eq!(response.status(), 201);
    json_ok(response).await
}

#[actix_web::test]
async fn hub_staff_record_donations_at_their_own_hub_only() {
    let app = TestApp::spawn().await;
    let hub = app.insert_hub("Sale Library");
    let other_hub = app.insert_hub("Stretford Library");
    let donor = app.insert_organisation("Royal Mail");
    let staff = app.user_with(Role::HubStaff, vec![hub], None).await;

    let donation = create_donation(&app, &staff.token, donor, hub).await;
    assert_eq!(donation["recorded_device_count"], 0);
    assert_eq!(donation["created_by"], staff.id.to_string());

    let elsewhere = json!({"donor_id": donor, "hub_id": other_hub, "received_on": "2026-11-20"});
    let problem = assert_problem(app.post_json("/api/v1/donations", Some(&staff.token), &elsewhere).await, 422).await;
    assert_eq!(problem["errors"][0]["field"], "hub_id");

    let admin = app.admin().await;
    let theirs = create_donation(&app, &admin.token, donor, other_hub).await;
    let path = format!("/api/v1/donations/{}", theirs["id"].as_str().expect("id"));
    assert_problem(app.get(&path, Some(&staff.token)).await, 404).await;
    let mine = json_ok(app.get("/api/v1/donations", Some(&staff.token)).await).await;
    assert_eq!(mine["items"].as_array().map(Vec::len), Some(1), "staff list only their hubs' donations");
}

#[actix_web::test]
async fn a_donation_comes_from_a_donor_and_not_from_the_future() {
    let app = TestApp::spawn().await;
    let admin = app.admin().await;
    let hub = app.insert_hub("Hub");
    let recycler_only = app.insert_organisation("Recycler");
    {
        use diesel::prelude::*;
        use tech4all::db::schema::organisations;
        diesel::update(organisations::table.find(recycler_only))
            .set(organisations::roles.eq(vec!["recycler".to_owned()]))
            .execute(&mut app.conn())
            .expect("updates");
    }
    let not_donor = json!({"donor_id": recycler_only, "hub_id": hub, "received_on": "2026-11-20"});
    assert_eq!(
        assert_problem(app.post_json("/api/v1/donations", Some(&admin.token), &not_donor).await, 409).await["errors"]
            [0]["field"],
        "donor_id"
    );
    let future = json!({"donor_id": app.insert_organisation("Donor"), "hub_id": hub, "received_on": "2999-01-01"});
    assert_eq!(
        assert_problem(app.post_json("/api/v1/donations", Some(&admin.token), &future).await, 422).await["errors"][0]["field"],
        "received_on"
    );
    let unknown = json!({"donor_id": Uuid::now_v7(), "hub_id": hub, "received_on": "2026-11-20"});
    let problem = assert_problem(app.post_json("/api/v1/donations", Some(&admin.token), &unknown).await, 422).await;
    assert_eq!(problem["errors"][0]["field"], "donor_id");
}

#[actix_web::test]
async fn a_donation_is_corrected_with_if_match() {
    let app = TestApp::spawn().await;
    let admin = app.admin().await;
    let donation = create_donation(&app, &admin.token, app.insert_organisation("Donor"), app.insert_hub("Hub")).await;
    let path = format!("/api/v1/donations/{}", donation["id"].as_str().expect("id"));
    assert_problem(app.patch_json(&path, Some(&admin.token), None, &json!({"declared_device_count": 4})).await, 428)
        .await;
    let updated = json_ok(
        app.patch_json(
            &path,
            Some(&admin.token),
            Some("\"1\""),
            &json!({"declared_device_count": 4, "donor_reference": null}),
        )
        .await,
    )
    .await;
    assert_eq!(updated["declared_device_count"], 4);
    assert_eq!(updated["donor_reference"], Value::Null);
}
