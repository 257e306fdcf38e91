//! Refurbishment by partner charities: jobs, partner isolation, the wipe gate, results, beyond
//! repair and recycling, the changes feed, and the donor's sanitisation report.

use diesel::prelude::*;
use serde_json::{Value, json};
use uuid::Uuid;

use tech4all::auth::Role;

use crate::donations::create_donation;
use crate::helpers::{TestApp, TestUser, assert_problem, json_ok};

pub(crate) struct Scene {
    pub hub: Uuid,
    pub staff: TestUser,
    pub admin: TestUser,
    pub partner: TestUser,
    pub refurbisher: Uuid,
    donation: String,
}

pub(crate) async fn scene(app: &TestApp) -> Scene {
    let hub = app.insert_hub("Sale Library");
    let staff = app.user_with(Role::HubStaff, vec![hub], None).await;
    let refurbisher = app.insert_organisation("Community Computers");
    let partner = app.user_with(Role::Partner, vec![], Some(refurbisher)).await;
    let donation = create_donation(app, &staff.token, app.insert_organisation("Donor"), hub).await;
    Scene {
        hub,
        staff,
        admin: app.admin().await,
        partner,
        refurbisher,
        donation: donation["id"].as_str().expect("id").to_owned(),
    }
}

/// Imports devices of the given categories (serials may be given) and returns their ids.
async fn devices(app: &TestApp, s: &Scene, rows: Value) -> Vec<String> {
    let body =
        json_ok(app.post_json(&format!("/api/v1/donations/{}/devices", s.donation), Some(&s.staff.token), &rows).await)
            .await;
    body["devices"].as_array().expect("devices").iter().map(|d| d["id"].as_str().expect("id").to_owned()).collect()
}

pub(crate) async fn laptop(app: &TestApp, s: &Scene) -> String {
    devices(
        app,
        s,
        json!([{"serial_number": format!("L{}", Uuid::now_v7().simple()), "make": "Dell", "category": "laptop"}]),
    )
    .await
    .remove(0)
}

pub(crate) async fn assign(app: &TestApp, s: &Scene, device: &str) -> Value {
    let response = app
        .post_json(
            "/api/v1/refurbishment-jobs",
            Some(&s.staff.token),
            &json!({"refurbisher_id": s.refurbisher, "device_ids": [device]}),
        )
        .await;
    assert_eq!(response.status(), 201);
    json_ok(response).await["items"][0].clone()
}

pub(crate) fn wipe(verified: bool) -> Value {
    json!({"level": "purge", "method": "nvme_sanitize", "tool": "Blancco Drive Eraser", "tool_version": "7.9", "certificate_reference": "BL-2026-0042", "verified": verified, "operator_name": "A. Technician", "performed_at": "2026-11-24T10:00:00Z"})
}

fn results() -> Value {
    json!({"grade": "B", "functional_result": "passed", "functional_notes": "new battery", "ram_upgraded_to_gb": 16, "os_installed": "Windows 11 Pro", "parts_cost_pence": 2500, "labour_minutes": 45})
}

pub(crate) async fn job_action(app: &TestApp, token: &str, job: &str, action: &str, body: &Value) -> reqwest::Response {
    app.post_json(&format!("/api/v1/refurbishment-jobs/{job}/{action}"), Some(token), body).await
}

#[actix_web::test]
async fn a_device_goes_from_donation_through_refurbishment_to_ready_at_its_hub() {
    let app = TestApp::spawn().await;
    let s = scene(&app).await;
    let device = laptop(&app, &s).await;
    let job = assign(&app, &s, &device).await;
    let job_id = job["id"].as_str().expect("id");
    assert_eq!(job["status"], "assigned");
    assert_eq!(job["wipe_required"], true);
    let path = format!("/api/v1/devices/{device}");
    assert_eq!(json_ok(app.get(&path, Some(&s.staff.token)).await).await["status"], "awaiting_refurbishment");

    // The partner sees its job and the device now.
    let feed = json_ok(app.get("/api/v1/refurbishment-jobs?status=assigned", Some(&s.partner.token)).await).await;
    assert_eq!(feed["items"][0]["id"], job_id);
    assert_eq!(json_ok(app.get(&path, Some(&s.partner.token)).await).await["status"], "awaiting_refurbishment");

    let started = json_ok(job_action(&app, &s.partner.token, job_id, "start", &json!({})).await).await;
    assert_eq!(started["status"], "in_progress");
    let wiped = job_action(&app, &s.partner.token, job_id, "wipes", &wipe(true)).await;
    assert_eq!(wiped.status(), 201);
    assert_eq!(json_ok(wiped).await["wipes"][0]["certificate_reference"], "BL-2026-0042");
    let done = json_ok(job_action(&app, &s.partner.token, job_id, "complete", &results()).await).await;
    assert_eq!(done["status"], "completed");
    assert_eq!(done["parts_cost_pence"], 2500);

    let ready = json_ok(app.get(&path, Some(&s.staff.token)).await).await;
    assert_eq!(ready["status"], "ready");
    assert_eq!(ready["hub_id"], s.hub.to_string());
    assert_eq!(ready["grade"], "B");
    assert_eq!(ready["ram_gb"], 16);
    let history = json_ok(app.get(&format!("{path}/history"), Some(&s.staff.token)).await).await;
    let kinds: Vec<&str> =
        history["items"].as_array().expect("items").iter().map(|e| e["kind"].as_str().expect("kind")).collect();
    assert_eq!(kinds, ["received", "assigned_for_refurbishment", "refurbishment_started", "refurbishment_completed"]);
}

#[actix_web::test]
async fn the_wipe_gate_holds_on_every_path_to_ready() {
    let app = TestApp::spawn().await;
    let s = scene(&app).await;
    let device = laptop(&app, &s).await;
    let job = assign(&app, &s, &device).await;
    let job_id = job["id"].as_str().expect("id");
    json_ok(job_action(&app, &s.partner.token, job_id, "start", &json!({})).await).await;

    // No wipe at all, then only an unverified one: completion is refused.
    let problem = assert_problem(job_action(&app, &s.partner.token, job_id, "complete", &results()).await, 409).await;
    assert_eq!(problem["type"], "/problems/wipe-required");
    assert_eq!(job_action(&app, &s.partner.token, job_id, "wipes", &wipe(false)).await.status(), 201);
    assert_problem(job_action(&app, &s.partner.token, job_id, "complete", &results()).await, 409).await;
    assert_eq!(
        json_ok(app.get(&format!("/api/v1/devices/{device}"), Some(&s.staff.token)).await).await["status"],
        "in_refurbishment"
    );

    // The database refuses too, whatever code path tries.
    let mut conn = app.conn();
    let direct =
        diesel::sql_query(format!("UPDATE devices SET status = 'ready' WHERE id = '{device}'")).execute(&mut conn);
    assert!(direct.is_err(), "the trigger refuses a ready device without a verified wipe");
    for status in ["reserved", "on_loan", "sold"] {
        let direct = diesel::sql_query(format!("UPDATE devices SET status = '{status}' WHERE id = '{device}'"))
            .execute(&mut conn);
        assert!(direct.is_err(), "{status} without a wipe is refused");
    }

    // A monitor has nothing to wipe: it completes without one, and no wipe can be recorded.
    let monitor =
        devices(&app, &s, json!([{"make": "Dell", "model": "P2419H", "category": "monitor"}])).await.remove(0);
    let mjob = assign(&app, &s, &monitor).await;
    let mjob_id = mjob["id"].as_str().expect("id");
    assert_eq!(mjob["wipe_required"], false);
    json_ok(job_action(&app, &s.partner.token, mjob_id, "start", &json!({})).await).await;
    assert_problem(job_action(&app, &s.partner.token, mjob_id, "wipes", &wipe(true)).await, 409).await;
    json_ok(job_action(&app, &s.partner.token, mjob_id, "complete", &results()).await).await;
    // …but turning that ready monitor into a laptop would get round the gate: refused.
    let problem = assert_problem(
        app.patch_json(
            &format!("/api/v1/devices/{monitor}"),
            Some(&s.staff.token),
            Some("*"),
            &json!({"category": "laptop"}),
        )
        .await,
        409,
    )
    .await;
    assert_eq!(problem["type"], "/problems/wipe-required");

    // With a verified wipe, the laptop completes.
    assert_eq!(job_action(&app, &s.partner.token, job_id, "wipes", &wipe(true)).await.status(), 201);
    json_ok(job_action(&app, &s.partner.token, job_id, "complete", &results()).await).await;
}

#[actix_web::test]
async fn one_partner_can_never_see_or_touch_another_partners_work() {
    let app = TestApp::spawn().await;
    let s = scene(&app).await;
    let device = laptop(&app, &s).await;
    let job = assign(&app, &s, &device).await;
    let job_id = job["id"].as_str().expect("id").to_owned();
    let other_org = app.insert_organisation("Another Refurbisher");
    let other = app.user_with(Role::Partner, vec![], Some(other_org)).await;

    let feed = json_ok(app.get("/api/v1/refurbishment-jobs", Some(&other.token)).await).await;
    assert_eq!(feed["items"], json!([]));
    let filtered = json_ok(
        app.get(&format!("/api/v1/refurbishment-jobs?refurbisher_id={}", s.refurbisher), Some(&other.token)).await,
    )
    .await;
    assert_eq!(filtered["items"], json!([]));
    assert_problem(app.get(&format!("/api/v1/refurbishment-jobs/{job_id}"), Some(&other.token)).await, 404).await;
    for (action, body) in [
        ("start", json!({})),
        ("wipes", wipe(true)),
        ("complete", results()),
        ("beyond-repair", json!({"reason": "cannot_open"})),
    ] {
        assert_problem(job_action(&app, &other.token, &job_id, action, &body).await, 404).await;
    }
    assert_problem(job_action(&app, &other.token, &job_id, "cancel", &json!({})).await, 403).await;
    for suffix in ["", "/history", "/label.svg"] {
        assert_problem(app.get(&format!("/api/v1/devices/{device}{suffix}"), Some(&other.token)).await, 404).await;
    }
    let recycle = json!({"recycler_id": other_org, "waste_transfer_note": "WTN-1", "disposed_on": "2026-11-24"});
    assert_problem(
        app.post_json(&format!("/api/v1/devices/{device}/recycle"), Some(&other.token), &recycle).await,
        404,
    )
    .await;
    // And nothing changed.
    let unchanged =
        json_ok(app.get(&format!("/api/v1/refurbishment-jobs/{job_id}"), Some(&s.partner.token)).await).await;
    assert_eq!(unchanged["status"], "assigned");
    assert_eq!(unchanged["version"], 1);
}

#[actix_web::test]
async fn twenty_concurrent_assignments_of_one_device_make_exactly_one_job() {
    let app = TestApp::spawn().await;
    let s = scene(&app).await;
    let device = laptop(&app, &s).await;
    let body = json!({"refurbisher_id": s.refurbisher, "device_ids": [device]});
    let attempts = (0..20).map(|_| app.post_json("/api/v1/refurbishment-jobs", Some(&s.staff.token), &body));
    let statuses: Vec<u16> = futures::future::join_all(attempts).await.iter().map(|r| r.status().as_u16()).collect();
    assert_eq!(statuses.iter().filter(|s| **s == 201).count(), 1, "{statuses:?}");
    assert_eq!(statuses.iter().filter(|s| **s == 409).count(), 19, "{statuses:?}");
    use tech4all::db::schema::refurbishment_jobs;
    let jobs: i64 = refurbishment_jobs::table.count().get_result(&mut app.conn()).expect("counts");
    assert_eq!(jobs, 1);
}

#[actix_web::test]
async fn a_whole_donation_is_assigned_at_once_and_cancelled_jobs_return_devices() {
    let app = TestApp::spawn().await;
    let s = scene(&app).await;
    let ids = devices(&app, &s, json!([{"category": "laptop"}, {"category": "tablet"}, {"category": "phone"}])).await;
    let response = app
        .post_json(
            "/api/v1/refurbishment-jobs",
            Some(&s.staff.token),
            &json!({"refurbisher_id": s.refurbisher, "donation_id": s.donation}),
        )
        .await;
    let jobs = json_ok(response).await;
    assert_eq!(jobs["items"].as_array().map(Vec::len), Some(3));
    let again = app
        .post_json(
            "/api/v1/refurbishment-jobs",
            Some(&s.staff.token),
            &json!({"refurbisher_id": s.refurbisher, "donation_id": s.donation}),
        )
        .await;
    assert_problem(again, 409).await;

    let job_id = jobs["items"][0]["id"].as_str().expect("id");
    assert_problem(job_action(&app, &s.partner.token, job_id, "cancel", &json!({})).await, 403).await;
    let cancelled = json_ok(job_action(&app, &s.staff.token, job_id, "cancel", &json!({})).await).await;
    assert_eq!(cancelled["status"], "cancelled");
    assert_eq!(
        json_ok(app.get(&format!("/api/v1/devices/{}", ids[0]), Some(&s.staff.token)).await).await["status"],
        "received"
    );
    assert_problem(job_action(&app, &s.partner.token, job_id, "start", &json!({})).await, 409).await;
    // Cancelled, the device can be assigned again.
    assign(&app, &s, &ids[0]).await;

    let not_refurbisher = app.insert_organisation("Donor only");
    {
        use tech4all::db::schema::organisations;
        diesel::update(organisations::table.find(not_refurbisher))
            .set(organisations::roles.eq(vec!["donor".to_owned()]))
            .execute(&mut app.conn())
            .expect("updates");
    }
    let problem = assert_problem(
        app.post_json(
            "/api/v1/refurbishment-jobs",
            Some(&s.staff.token),
            &json!({"refurbisher_id": not_refurbisher, "device_ids": [ids[1]]}),
        )
        .await,
        409,
    )
    .await;
    assert_eq!(problem["errors"][0]["field"], "refurbisher_id");
}

#[actix_web::test]
async fn a_device_beyond_repair_is_recycled_with_a_disposal_record() {
    let app = TestApp::spawn().await;
    let s = scene(&app).await;
    let device = laptop(&app, &s).await;
    let job = assign(&app, &s, &device).await;
    let job_id = job["id"].as_str().expect("id");
    let recycle = json!({"recycler_id": s.refurbisher, "waste_transfer_note": "WTN-2026-118", "disposed_on": "2026-11-24", "weight_kg": 2.1, "harvested_parts": "RAM, SSD caddy"});
    // Not beyond repair yet: recycling is an illegal move.
    let problem = assert_problem(
        app.post_json(&format!("/api/v1/devices/{device}/recycle"), Some(&s.partner.token), &recycle).await,
        409,
    )
    .await;
    assert_eq!(problem["current_status"], "awaiting_refurbishment");

    json_ok(job_action(&app, &s.partner.token, job_id, "start", &json!({})).await).await;
    let declared = json_ok(
        job_action(
            &app,
            &s.partner.token,
            job_id,
            "beyond-repair",
            &json!({"reason": "parts_too_expensive", "notes": "motherboard"}),
        )
        .await,
    )
    .await;
    assert_eq!(declared["beyond_repair_reason"], "parts_too_expensive");
    // Text the database cannot store, and a date not written YYYY-MM-DD, are refused by name.
    for (field, value) in [("waste_transfer_note", json!("WTN\u{0}118")), ("disposed_on", json!("2026-11-4"))] {
        let mut bad = recycle.clone();
        bad[field] = value;
        let problem = assert_problem(
            app.post_json(&format!("/api/v1/devices/{device}/recycle"), Some(&s.partner.token), &bad).await,
            422,
        )
        .await;
        assert_eq!(problem["errors"][0]["field"], field);
    }
    let recycled =
        json_ok(app.post_json(&format!("/api/v1/devices/{device}/recycle"), Some(&s.partner.token), &recycle).await)
            .await;
    assert_eq!(recycled["status"], "recycled");
    assert_eq!(recycled["allowed_actions"], json!([]));
    assert_problem(
        app.post_json(&format!("/api/v1/devices/{device}/recycle"), Some(&s.partner.token), &recycle).await,
        409,
    )
    .await;

    let report =
        json_ok(app.get(&format!("/api/v1/donations/{}/report", s.donation), Some(&s.staff.token)).await).await;
    let line = &report["devices"][0];
    assert_eq!(line["outcome"], "recycled");
    assert_eq!(line["waste_transfer_note"], "WTN-2026-118");
    assert_eq!(line["wipe_status"], "not_done");
}

#[actix_web::test]
async fn the_donor_report_lists_wipes_and_outcomes_and_its_csv_is_safe_in_a_spreadsheet() {
    let app = TestApp::spawn().await;
    let s = scene(&app).await;
    let ids = devices(&app, &s, json!([{"serial_number": "=HYPERLINK(\"http://x\")", "make": "+Evil", "category": "laptop"}, {"serial_number": "MON-1", "category": "monitor"}])).await;
    let job = assign(&app, &s, &ids[0]).await;
    let job_id = job["id"].as_str().expect("id");
    json_ok(job_action(&app, &s.partner.token, job_id, "start", &json!({})).await).await;
    json_ok(job_action(&app, &s.partner.token, job_id, "wipes", &wipe(true)).await).await;
    json_ok(job_action(&app, &s.partner.token, job_id, "complete", &results()).await).await;

    let report =
        json_ok(app.get(&format!("/api/v1/donations/{}/report", s.donation), Some(&s.staff.token)).await).await;
    assert_eq!(report["devices"][0]["wipe_status"], "verified");
    assert_eq!(report["devices"][0]["wipe_method"], "nvme_sanitize");
    assert_eq!(report["devices"][0]["outcome"], "refurbished");
    assert_eq!(report["devices"][1]["wipe_status"], "not_applicable");

    let csv = app
        .client
        .get(app.url(&format!("/api/v1/donations/{}/report", s.donation)))
        .bearer_auth(&s.staff.token)
        .header("accept", "text/csv")
        .send()
        .await
        .expect("sent");
    assert!(csv.headers()["content-type"].to_str().expect("ascii").starts_with("text/csv"));
    let text = csv.text().await.expect("text");
    assert!(text.starts_with("asset_tag,serial_number,"));
    assert!(text.contains("\"'=HYPERLINK(\"\"http://x\"\")\""), "{text}");
    assert!(text.contains(",'+Evil,"), "{text}");
    assert!(!text.contains(",=HYPERLINK") && !text.contains(",+Evil"));
    let via_query = app.get(&format!("/api/v1/donations/{}/report?format=csv", s.donation), Some(&s.staff.token)).await;
    assert!(via_query.headers()["content-type"].to_str().expect("ascii").starts_with("text/csv"));
    let partner = app.get(&format!("/api/v1/donations/{}/report", s.donation), Some(&s.partner.token)).await;
    assert_problem(partner, 403).await;
}

#[actix_web::test]
async fn the_changes_feed_pages_in_update_order() {
    let app = TestApp::spawn().await;
    let s = scene(&app).await;
    let mut jobs = Vec::new();
    for _ in 0..3 {
        let device = laptop(&app, &s).await;
        jobs.push(assign(&app, &s, &device).await["id"].as_str().expect("id").to_owned());
    }
    // Touch the first job last: it moves to the end of the feed.
    json_ok(job_action(&app, &s.partner.token, &jobs[0], "start", &json!({})).await).await;
    let page1 = json_ok(app.get("/api/v1/refurbishment-jobs?limit=2", Some(&s.partner.token)).await).await;
    let cursor = page1["next_cursor"].as_str().expect("more").to_owned();
    let page2 =
        json_ok(app.get(&format!("/api/v1/refurbishment-jobs?limit=2&cursor={cursor}"), Some(&s.partner.token)).await)
            .await;
    let order: Vec<String> = page1["items"]
        .as_array()
        .expect("items")
        .iter()
        .chain(page2["items"].as_array().expect("items"))
        .map(|j| j["id"].as_str().expect("id").to_owned())
        .collect();
    assert_eq!(order, [jobs[1].clone(), jobs[2].clone(), jobs[0].clone()]);
    // A feed always says where to continue; polling from the end gives nothing new.
    let end = page2["next_cursor"].as_str().expect("cursor").to_owned();
    let after_end =
        json_ok(app.get(&format!("/api/v1/refurbishment-jobs?cursor={end}"), Some(&s.partner.token)).await).await;
    assert_eq!(after_end["items"], json!([]));
    assert_eq!(after_end["next_cursor"], end.as_str());
    let started = json_ok(app.get("/api/v1/refurbishment-jobs?status=in_progress", Some(&s.partner.token)).await).await;
    assert_eq!(started["items"].as_array().map(Vec::len), Some(1));
    assert_problem(app.get("/api/v1/refurbishment-jobs?cursor=nonsense", Some(&s.partner.token)).await, 400).await;
    let _ = &s.admin;
}

#[actix_web::test]
async fn a_partner_retrying_with_an_idempotency_key_does_the_work_once() {
    let app = TestApp::spawn().await;
    let s = scene(&app).await;
    let device = laptop(&app, &s).await;
    let job = assign(&app, &s, &device).await;
    let path = format!("/api/v1/refurbishment-jobs/{}/wipes", job["id"].as_str().expect("id"));
    json_ok(job_action(&app, &s.partner.token, job["id"].as_str().expect("id"), "start", &json!({})).await).await;
    let send = || {
        app.request(reqwest::Method::POST, &path, Some(&s.partner.token))
            .header("idempotency-key", "wipe-BL-2026-0042")
            .json(&wipe(true))
            .send()
    };
    let first = send().await.expect("sent");
    assert_eq!(first.status(), 201);
    let replay = send().await.expect("sent");
    assert_eq!(replay.status(), 201);
    assert_eq!(replay.headers()["idempotent-replayed"], "true");
    let job = json_ok(
        app.get(&format!("/api/v1/refurbishment-jobs/{}", job["id"].as_str().expect("id")), Some(&s.partner.token))
            .await,
    )
    .await;
    assert_eq!(job["wipes"].as_array().map(Vec::len), Some(1), "recorded once");
}
