//! A donated device's dated journey to the shelf, for the demo year: received with a donation,
//! refurbished by the partner (verified wipe, grade and test) two weeks later, and carried to the
//! hub it will be sold or lent from. Every step goes through the same moves as the service, dated
//! when it happened, so history, ledger and report rollups all tell the same story.

use chrono::{DateTime, Duration, Utc};
use diesel::pg::PgConnection;
use diesel::prelude::*;
use serde_json::json;
use uuid::Uuid;

use crate::db::new_id;
use crate::db::schema::{disposal_records, refurbishment_jobs as jobs, wipe_records};
use crate::devices::models::Change;
use crate::devices::models::Move;
use crate::devices::models::{Action, DeviceStatus};
use crate::devices::models::{Category, Grade, NewDevice, StorageType};
use crate::devices::repo as devices_repo;
use crate::devices::repo::history;
use crate::devices::repo::moves;
use crate::handover::Handover;
use crate::http::ApiError;

/// (make, model, category, weight in grams)
pub type Model = (&'static str, &'static str, Category, Option<i32>);

pub const LAPTOPS: &[Model] = &[
    ("Dell", "Latitude 7490", Category::Laptop, Some(1_450)),
    ("Lenovo", "ThinkPad T470", Category::Laptop, Some(1_580)),
    ("HP", "EliteBook 830 G6", Category::Laptop, Some(1_330)),
    ("Dell", "Latitude 5400", Category::Laptop, None),
    ("Lenovo", "ThinkPad X390", Category::LaptopSmall, Some(1_220)),
];

pub const TABLETS: &[Model] = &[
    ("Apple", "iPad (7th generation)", Category::Tablet, Some(483)),
    ("Samsung", "Galaxy Tab A7", Category::Tablet, None),
];

/// Where a device comes from and where it is going.
pub struct Journey {
    pub refurbisher: Uuid,
    pub donation: Option<Uuid>,
    /// Where it was received (and refurbished from).
    pub received_at_hub: Uuid,
    pub received_at: DateTime<Utc>,
    /// Where it ends up ready, the day before `ready_by`.
    pub ready_at_hub: Uuid,
    pub ready_by: DateTime<Utc>,
}

fn step(conn: &mut PgConnection, device: Uuid, mv: Move) -> Result<(), ApiError> {
    let row = devices_repo::find(conn, device.into())?.ok_or_else(|| ApiError::not_found("device"))?;
    moves::apply(conn, &Handover, &row, None, mv)?;
    Ok(())
}

fn received(conn: &mut PgConnection, model: Model, n: usize, j: &Journey) -> Result<Uuid, ApiError> {
    let (make, name, category, weight_g) = model;
    let id = new_id();
    let holds_data = !matches!(category, Category::Monitor | Category::Accessory);
    let device = NewDevice {
        id: id.into(),
        serial_number: Some(format!("TC{:07}", 3_000_000 + n * 13)),
        make: Some(make.into()),
        model: Some(name.into()),
        category,
        cpu: (category != Category::Tablet).then(|| "Intel Core i5".into()),
        ram_gb: Some(if category == Category::Tablet { 3 } else { 8 }),
        storage_gb: holds_data.then_some(if category == Category::Tablet { 32 } else { 256 }),
        storage_type: holds_data.then_some(StorageType::Ssd),
        operating_system: Some(if category == Category::Tablet { "iPadOS / Android" } else { "Windows 11 Pro" }.into()),
        battery_health_pct: Some(78 + (n % 15) as i32),
        weight_g,
        grade: None,
        notes: None,
        hub_id: Some(j.received_at_hub.into()),
        donation_id: j.donation.map(Into::into),
    };
    devices_repo::insert_all(conn, std::slice::from_ref(&device))?;
    history::record(
        conn,
        Change {
            device_id: id.into(),
            actor_id: None,
            kind: "received",
            from_status: None,
            to_status: Some(DeviceStatus::Received),
            from_hub_id: None,
            to_hub_id: Some(j.received_at_hub.into()),
            details: json!({ "donation_id": j.donation }),
            occurred_at: Some(j.received_at),
        },
    )?;
    Ok(id)
}

/// A finished job on `device` (refurbished, or beyond repair), moved through assignment and start.
fn job(conn: &mut PgConnection, device: Uuid, j: &Journey, refurbished: bool) -> Result<Uuid, ApiError> {
    let job = new_id();
    diesel::insert_into(jobs::table)
        .values((
            jobs::id.eq(job),
            jobs::device_id.eq(device),
            jobs::refurbisher_id.eq(j.refurbisher),
            jobs::return_hub_id.eq(j.received_at_hub),
            jobs::status.eq(if refurbished { "completed" } else { "beyond_repair" }),
            jobs::grade.eq(refurbished.then_some("B")),
            jobs::functional_result.eq(refurbished.then_some("passed")),
            jobs::labour_minutes.eq(45),
            jobs::beyond_repair_reason.eq((!refurbished).then_some("parts_too_expensive")),
            jobs::started_at.eq(j.received_at + Duration::days(7)),
            jobs::finished_at.eq(j.received_at + Duration::days(14)),
        ))
        .execute(conn)?;
    step(
        conn,
        device,
        Move::new("assigned_for_refurbishment")
            .action(Action::AssignForRefurbishment)
            .details(json!({ "job_id": job }))
            .at(j.received_at + Duration::days(3)),
    )?;
    step(
        conn,
        device,
        Move::new("refurbishment_started")
            .action(Action::StartRefurbishment)
            .details(json!({ "job_id": job }))
            .at(j.received_at + Duration::days(7)),
    )?;
    Ok(job)
}

/// A device refurbished and ready at `j.ready_at_hub`; returns its id.
pub fn refurbished(conn: &mut PgConnection, model: Model, n: usize, j: &Journey) -> Result<Uuid, ApiError> {
    let id = received(conn, model, n, j)?;
    let job = job(conn, id, j, true)?;
    diesel::insert_into(wipe_records::table)
        .values((
            wipe_records::id.eq(new_id()),
            wipe_records::job_id.eq(job),
            wipe_records::device_id.eq(id),
            wipe_records::level.eq("purge"),
            wipe_records::method.eq(if model.2 == Category::Tablet { "factory_reset" } else { "nvme_sanitize" }),
            wipe_records::tool.eq(if model.2 == Category::Tablet { "Built-in reset" } else { "Blancco Drive Eraser" }),
            wipe_records::certificate_reference.eq(format!("CC-WIPE-{:05}", n)),
            wipe_records::verified.eq(true),
            wipe_records::operator_name.eq("Demo technician"),
            wipe_records::performed_at.eq(j.received_at + Duration::days(10)),
        ))
        .execute(conn)?;
    diesel::update(crate::db::schema::devices::table.find(id))
        .set(crate::db::schema::devices::grade.eq(Grade::B))
        .execute(conn)?;
    step(
        conn,
        id,
        Move::new("refurbishment_completed")
            .action(Action::CompleteRefurbishment)
            .details(json!({ "job_id": job }))
            .at(j.received_at + Duration::days(14)),
    )?;
    if j.ready_at_hub != j.received_at_hub {
        let mut out = Move::new("transfer_started")
            .details(json!({ "to_hub_id": j.ready_at_hub }))
            .at(j.ready_by - Duration::days(2));
        out.transfer_to_hub_id = Some(Some(j.ready_at_hub.into()));
        out.heading_to = Some(j.ready_at_hub.into());
        step(conn, id, out)?;
        let mut arrive = Move::new("transfer_received")
            .details(json!({ "from_hub_id": j.received_at_hub }))
            .at(j.ready_by - Duration::days(1));
        arrive.hub_id = Some(Some(j.ready_at_hub.into()));
        arrive.transfer_to_hub_id = Some(None);
        step(conn, id, arrive)?;
    }
    Ok(id)
}

/// A device the partner found not worth repairing, recycled with its disposal record.
pub fn recycled(conn: &mut PgConnection, model: Model, n: usize, j: &Journey) -> Result<Uuid, ApiError> {
    let id = received(conn, model, n, j)?;
    let job = job(conn, id, j, false)?;
    let done = j.received_at + Duration::days(14);
    step(
        conn,
        id,
        Move::new("declared_beyond_repair")
            .action(Action::DeclareBeyondRepair)
            .details(json!({ "job_id": job }))
            .at(done),
    )?;
    step(
        conn,
        id,
        Move::new("recycled").action(Action::Recycle).details(json!({ "job_id": job })).at(done + Duration::days(7)),
    )?;
    diesel::insert_into(disposal_records::table)
        .values((
            disposal_records::id.eq(new_id()),
            disposal_records::device_id.eq(id),
            disposal_records::recycler_id.eq(j.refurbisher),
            disposal_records::waste_transfer_note.eq(format!("WTN-DEMO-{:04}", n)),
            disposal_records::disposed_on.eq((done + Duration::days(7)).date_naive()),
            disposal_records::weight_g.eq(model.3),
        ))
        .execute(conn)?;
    Ok(id)
}
