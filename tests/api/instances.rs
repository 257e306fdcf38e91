//! Several instances of the service on one database: the database, not any one process, decides
//! who gets a device or a SIM, and a request blocked by another session fails fast and cleanly.

use diesel::prelude::*;
use serde_json::json;

use tech4all::auth::Role;
use tech4all::db::schema::{device_events, loans};

use crate::helpers::TestApp;

#[actix_web::test]
async fn concurrent_check_outs_of_one_device_across_two_instances_give_it_to_exactly_one_resident() {
    let app = TestApp::spawn().await;
    let second = app.another_instance();
    let hub = app.insert_hub("Sale Library");
    let staff = app.user_with(Role::HubStaff, vec![hub], None).await;
    let device = app.ready_device(hub);
    let mut residents = Vec::new();
    for i in 0..20 {
        residents.push(app.resident(&staff.token, &format!("Borrower {i}")).await);
    }
    let attempts = residents.iter().enumerate().map(|(i, resident)| {
        let base = if i % 2 == 0 { app.address.clone() } else { second.clone() };
        let request = app
            .client
            .post(format!("{base}/api/v1/loans"))
            .bearer_auth(&staff.token)
            .json(&json!({"device_id": device, "resident_id": resident}));
        async move { request.send().await.expect("answers").status().as_u16() }
    });
    let statuses = futures::future::join_all(attempts).await;
    assert_eq!(statuses.iter().filter(|s| **s == 201).count(), 1, "{statuses:?}");
    assert!(statuses.iter().all(|s| *s == 201 || *s == 409), "the rest are refused cleanly: {statuses:?}");
    let mut conn = app.conn();
    let open: i64 = loans::table
        .filter(loans::device_id.eq(device))
        .filter(loans::returned_at.is_null())
        .count()
        .get_result(&mut conn)
        .expect("counts");
    assert_eq!(open, 1);
    let lent: i64 = device_events::table
        .filter(device_events::device_id.eq(device))
        .filter(device_events::kind.eq("lent"))
        .count()
        .get_result(&mut conn)
        .expect("counts");
    assert_eq!(lent, 1, "one history event for the one loan");
}

#[actix_web::test]
async fn a_check_out_blocked_by_a_lock_held_elsewhere_answers_503_within_five_seconds_and_changes_nothing() {
    use diesel::connection::SimpleConnection;

    let app = TestApp::spawn().await;
    let hub = app.insert_hub("Sale Library");
    let staff = app.user_with(Role::HubStaff, vec![hub], None).await;
    let device = app.ready_device(hub);
    let resident = app.resident(&staff.token, "Blocked Borrower").await;
    // Another session (a second instance, an operator's psql) holds the device's row.
    let mut holder = app.conn();
    holder.batch_execute(&format!("BEGIN; SELECT 1 FROM devices WHERE id = '{device}' FOR UPDATE")).expect("locks");

    let started = std::time::Instant::now();
    let body = json!({"device_id": device, "resident_id": resident});
    let response = app.post_json("/api/v1/loans", Some(&staff.token), &body).await;
    let waited = started.elapsed();
    assert!(response.headers().contains_key("retry-after"), "says when to try again");
    crate::helpers::assert_problem(response, 503).await;
    assert!(waited < std::time::Duration::from_secs(5), "answered in {waited:?}");

    holder.batch_execute("ROLLBACK").expect("releases");
    let mut conn = app.conn();
    let loans_made: i64 =
        loans::table.filter(loans::device_id.eq(device)).count().get_result(&mut conn).expect("counts");
    assert_eq!(loans_made, 0, "the refused check-out left no loan behind");
    // Once the lock is gone the same request goes through.
    assert_eq!(app.post_json("/api/v1/loans", Some(&staff.token), &body).await.status(), 201);
}
