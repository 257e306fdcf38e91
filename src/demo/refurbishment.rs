//! Demo refurbishment: Community Computers holds a known API key and has jobs in every state on
//! Royal Mail's laptops — assigned, in progress, completed (wiped, graded, ready at Altrincham),
//! beyond repair, cancelled, and one recycled with its disposal record.

use diesel::pg::PgConnection;
use diesel::prelude::*;
use serde_json::json;
use uuid::Uuid;

use crate::db::new_id;
use crate::db::schema::{api_keys, disposal_records, refurbishment_jobs as jobs, users, wipe_records};
use crate::devices::models::Action;
use crate::devices::models::Move;
use crate::devices::repo as devices_repo;
use crate::devices::repo::moves;
use crate::handover::Handover;
use crate::http::ApiError;
use crate::refurbishment::rules::JobStatus;

/// A fixed key so the README's partner walkthrough works as written. Demo data only.
pub const DEMO_API_KEY: &str = "t4a_demoCCpartnr_DemoOnlyKeyForCommunityComputers";

fn step(conn: &mut PgConnection, device: Uuid, kind: &'static str, action: Action, job: Uuid) -> Result<(), ApiError> {
    let row = devices_repo::find(conn, device.into())?.ok_or_else(|| ApiError::not_found("device"))?;
    moves::apply(conn, &Handover, &row, None, Move::new(kind).action(action).details(json!({ "job_id": job })))?;
    Ok(())
}

pub fn seed(conn: &mut PgConnection, partner_org: Uuid, devices: &[Uuid]) -> Result<(), ApiError> {
    let partner: Option<Uuid> =
        users::table.filter(users::organisation_id.eq(partner_org)).select(users::id).first(conn).optional()?;
    if let (Some(partner), Some((prefix, secret))) = (partner, crate::auth::api_key::split(DEMO_API_KEY)) {
        diesel::insert_into(api_keys::table)
            .values((
                api_keys::id.eq(new_id()),
                api_keys::user_id.eq(partner),
                api_keys::name.eq("demo integration"),
                api_keys::prefix.eq(prefix),
                api_keys::secret_sha256.eq(crate::auth::api_key::digest(secret)),
            ))
            .execute(conn)?;
    }
    // Device 0 is in transit; jobs go on devices 1–6.
    let states = [
        JobStatus::Assigned,
        JobStatus::InProgress,
        JobStatus::Completed,
        JobStatus::BeyondRepair,
        JobStatus::Cancelled,
        JobStatus::BeyondRepair,
    ];
    for (i, target) in states.into_iter().enumerate() {
        let device = devices[i + 1];
        let row = devices_repo::find(conn, device.into())?.ok_or_else(|| ApiError::not_found("device"))?;
        let job = new_id();
        diesel::insert_into(jobs::table)
            .values((
                jobs::id.eq(job),
                jobs::device_id.eq(device),
                jobs::refurbisher_id.eq(partner_org),
                jobs::return_hub_id.eq(row.hub_id),
            ))
            .execute(conn)?;
        step(conn, device, "assigned_for_refurbishment", Action::AssignForRefurbishment, job)?;
        if target == JobStatus::Cancelled {
            step(conn, device, "refurbishment_cancelled", Action::CancelRefurbishment, job)?;
            diesel::update(jobs::table.find(job)).set(jobs::status.eq(JobStatus::Cancelled)).execute(conn)?;
            continue;
        }
        if target == JobStatus::Assigned {
            continue;
        }
        step(conn, device, "refurbishment_started", Action::StartRefurbishment, job)?;
        diesel::update(jobs::table.find(job))
            .set((jobs::status.eq(JobStatus::InProgress), jobs::started_at.eq(chrono::Utc::now())))
            .execute(conn)?;
        match target {
            JobStatus::Completed => {
                diesel::insert_into(wipe_records::table)
                    .values((
                        wipe_records::id.eq(new_id()),
                        wipe_records::job_id.eq(job),
                        wipe_records::device_id.eq(device),
                        wipe_records::level.eq("purge"),
                        wipe_records::method.eq("ata_secure_erase"),
                        wipe_records::tool.eq("Blancco Drive Eraser"),
                        wipe_records::tool_version.eq("7.9"),
                        wipe_records::certificate_reference.eq("CC-WIPE-2026-0107"),
                        wipe_records::verified.eq(true),
                        wipe_records::operator_name.eq("Demo technician"),
                        wipe_records::performed_at.eq(chrono::Utc::now()),
                    ))
                    .execute(conn)?;
                diesel::update(jobs::table.find(job))
                    .set((
                        jobs::status.eq(JobStatus::Completed),
                        jobs::grade.eq("A"),
                        jobs::functional_result.eq("passed"),
                        jobs::labour_minutes.eq(50),
                        jobs::finished_at.eq(chrono::Utc::now()),
                    ))
                    .execute(conn)?;
                step(conn, device, "refurbishment_completed", Action::CompleteRefurbishment, job)?;
            }
            JobStatus::BeyondRepair => {
                diesel::update(jobs::table.find(job))
                    .set((
                        jobs::status.eq(JobStatus::BeyondRepair),
                        jobs::beyond_repair_reason.eq("parts_too_expensive"),
                        jobs::finished_at.eq(chrono::Utc::now()),
                    ))
                    .execute(conn)?;
                step(conn, device, "declared_beyond_repair", Action::DeclareBeyondRepair, job)?;
                if i == 5 {
                    step(conn, device, "recycled", Action::Recycle, job)?;
                    diesel::insert_into(disposal_records::table)
                        .values((
                            disposal_records::id.eq(new_id()),
                            disposal_records::device_id.eq(device),
                            disposal_records::recycler_id.eq(partner_org),
                            disposal_records::waste_transfer_note.eq("WTN-DEMO-0001"),
                            disposal_records::disposed_on.eq(chrono::Utc::now().date_naive()),
                            disposal_records::weight_g.eq(row.weight_g),
                        ))
                        .execute(conn)?;
                }
            }
            _ => {}
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_demo_key_has_the_shape_of_a_real_one() {
        assert!(crate::auth::api_key::split(super::DEMO_API_KEY).is_some());
    }
}
