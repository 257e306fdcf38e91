//! Demo Stockport: a second, smaller scheme beside Trafford's, with its own prefixes (`STO-000001`,
//! `STO-S-2026-000001`), admin and hub staff, two hubs, three wards, and one donation of laptops
//! from a housing association, a few of them refurbished and ready. Signed in as Trafford, none
//! of it can be seen; signed in as Stockport, none of Trafford's.

use diesel::pg::PgConnection;
use diesel::prelude::*;
use serde_json::json;
use uuid::Uuid;

use crate::auth::Role;
use crate::bootstrap::DEMO_PASSWORD;
use crate::db::new_id;
use crate::db::schema::{donations, hubs, organisations, refurbishment_jobs as jobs, wipe_records};
use crate::devices::models::{Action, Category, Change, DeviceStatus, Move, NewDevice, StorageType};
use crate::devices::repo::{self as devices_repo, history, moves};
use crate::handover::Handover;
use crate::http::{ApiError, in_transaction};
use crate::hubs::models::HubKind;
use crate::ids::SchemeId;
use crate::schemes::models::NewScheme;
use crate::users::handlers::accounts::create_account;
use crate::users::models::CreateUser;

pub const ADMIN_EMAIL: &str = "admin@stockport.test";
pub const STAFF_EMAIL: &str = "staff@stockport.test";
const CODE: &str = "STO";

const WARDS: &[(&str, f64)] =
    &[("Brinnington & Central", 4.4), ("Edgeley & Cheadle Heath", 3.2), ("Reddish North", 3.6)];

/// (name, kind, address, postcode, ward)
const HUBS: &[(&str, HubKind, &str, &str, &str)] = &[
    (
        "Stockport Central Library",
        HubKind::Library,
        "Wellington Road South, Stockport",
        "SK1 3RS",
        "Brinnington & Central",
    ),
    ("Edgeley Pop-up", HubKind::Popup, "Castle Street, Edgeley", "SK3 9AB", "Edgeley & Cheadle Heath"),
];

/// Laptops donated, and how many of them are refurbished and ready.
const DONATED: usize = 12;
const READY: usize = 4;

pub fn seed(conn: &mut PgConnection) -> Result<(), ApiError> {
    let scheme = scheme(conn)?;
    crate::db::act_in_scheme(conn, scheme)?;
    in_transaction(conn, |conn| {
        let already: i64 = hubs::table.filter(hubs::name.eq(HUBS[0].0)).count().get_result(conn)?;
        if already > 0 {
            return Ok(());
        }
        crate::loan_rules::repo::insert_default(conn)?;
        let hub_ids = super::places(conn, WARDS, HUBS)?;
        accounts(conn, hub_ids[0])?;
        donation(conn, hub_ids[0])
    })
}

/// The Stockport scheme, created the first time.
fn scheme(conn: &mut PgConnection) -> Result<SchemeId, ApiError> {
    if let Some(found) = crate::schemes::repo::find_by_code(conn, CODE)? {
        return Ok(found.id);
    }
    let row = crate::schemes::repo::insert(
        conn,
        &NewScheme {
            id: SchemeId::new(),
            name: "Stockport Device Bank".into(),
            code: CODE.into(),
            sale_price_pence: 5000,
            household_rule_months: 12,
            refund_window_days: 14,
            sim_limit_per_resident: 1,
            retention_months: 24,
            asset_tag_prefix: CODE.into(),
            receipt_prefix: format!("{CODE}-S"),
            default_factor_set_id: crate::impact::BUILT_IN_DEFAULT,
        },
    )?;
    Ok(row.id)
}

fn accounts(conn: &mut PgConnection, library: Uuid) -> Result<(), ApiError> {
    for (email, role, hubs) in [(ADMIN_EMAIL, Role::Admin, vec![]), (STAFF_EMAIL, Role::HubStaff, vec![library.into()])]
    {
        if crate::users::repo::email_in_use(conn, email)? {
            continue;
        }
        create_account(
            conn,
            CreateUser {
                email: email.into(),
                display_name: format!("Stockport {role}"),
                role,
                password: Some(DEMO_PASSWORD.into()),
                hub_ids: hubs,
                organisation_id: None,
            },
        )?;
    }
    Ok(())
}

/// Stockport Homes' laptops at the Central Library; the first few refurbished, wiped and ready.
fn donation(conn: &mut PgConnection, library: Uuid) -> Result<(), ApiError> {
    let donor = new_id();
    diesel::insert_into(organisations::table)
        .values((
            organisations::id.eq(donor),
            organisations::name.eq("Stockport Homes"),
            organisations::roles.eq(vec!["donor".to_owned(), "refurbisher".to_owned()]),
        ))
        .execute(conn)?;
    let donation = new_id();
    let received = chrono::Utc::now().date_naive() - chrono::Days::new(40);
    diesel::insert_into(donations::table)
        .values((
            donations::id.eq(donation),
            donations::donor_id.eq(donor),
            donations::hub_id.eq(library),
            donations::received_on.eq(received),
            donations::declared_device_count.eq(DONATED as i32),
        ))
        .execute(conn)?;
    let devices: Vec<NewDevice> = (0..DONATED)
        .map(|i| NewDevice {
            id: crate::ids::DeviceId::new(),
            serial_number: Some(format!("SH{:06}", 200_000 + i * 13)),
            make: Some("Lenovo".into()),
            model: Some("ThinkPad L480".into()),
            category: Category::Laptop,
            cpu: None,
            ram_gb: Some(8),
            storage_gb: Some(256),
            storage_type: Some(StorageType::Ssd),
            operating_system: None,
            battery_health_pct: None,
            weight_g: Some(1_790),
            grade: None,
            notes: None,
            hub_id: Some(library.into()),
            donation_id: Some(donation.into()),
        })
        .collect();
    devices_repo::insert_all(conn, &devices)?;
    let received_at = super::sales::at(received, 11, 0);
    history::record_all(
        conn,
        devices
            .iter()
            .map(|d| Change {
                device_id: d.id,
                actor_id: None,
                kind: "received",
                from_status: None,
                to_status: Some(DeviceStatus::Received),
                from_hub_id: None,
                to_hub_id: Some(library.into()),
                details: json!({ "donation_id": donation }),
                occurred_at: Some(received_at),
            })
            .collect(),
    )?;
    for device in devices.iter().take(READY) {
        refurbish(conn, device.id.uuid(), donor, library)?;
    }
    Ok(())
}

/// A completed job with a verified wipe, and the device ready at `hub`.
fn refurbish(conn: &mut PgConnection, device: Uuid, refurbisher: Uuid, hub: Uuid) -> Result<(), ApiError> {
    let job = new_id();
    diesel::insert_into(jobs::table)
        .values((
            jobs::id.eq(job),
            jobs::device_id.eq(device),
            jobs::refurbisher_id.eq(refurbisher),
            jobs::return_hub_id.eq(hub),
            jobs::status.eq("completed"),
            jobs::grade.eq("B"),
            jobs::functional_result.eq("passed"),
        ))
        .execute(conn)?;
    diesel::insert_into(wipe_records::table)
        .values((
            wipe_records::id.eq(new_id()),
            wipe_records::job_id.eq(job),
            wipe_records::device_id.eq(device),
            wipe_records::level.eq("purge"),
            wipe_records::method.eq("nvme_sanitize"),
            wipe_records::tool.eq("nwipe"),
            wipe_records::verified.eq(true),
            wipe_records::operator_name.eq("Stockport Homes workshop"),
            wipe_records::performed_at.eq(chrono::Utc::now() - chrono::Duration::days(20)),
        ))
        .execute(conn)?;
    let steps = [
        ("assigned_for_refurbishment", Action::AssignForRefurbishment),
        ("refurbishment_started", Action::StartRefurbishment),
        ("refurbishment_completed", Action::CompleteRefurbishment),
    ];
    for (kind, action) in steps {
        let row = devices_repo::find(conn, device.into())?.ok_or_else(|| ApiError::not_found("device"))?;
        moves::apply(conn, &Handover, &row, None, Move::new(kind).action(action).details(json!({ "job_id": job })))?;
    }
    Ok(())
}
