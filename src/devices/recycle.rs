//! Recycling a device that is beyond economic repair (after any parts were harvested):
//! `POST /api/v1/devices/{id}/recycle` with the disposal record — recycler, waste transfer note,
//! date, weight. Final.

use actix_web::{HttpResponse, web};
use chrono::NaiveDate;
use diesel::prelude::*;
use serde_json::json;
use uuid::Uuid;

use super::lifecycle::Action;
use super::models::Device;
use super::moves::{self, Move};
use super::{rules, scope};
use crate::AppState;
use crate::auth::{Principal, Role};
use crate::db::schema::disposal_records;
use crate::db::{in_transaction, new_id, run_blocking};
use crate::http::{ApiError, Json, Problems};
use crate::organisations::models::OrganisationRole;
use crate::refurbishment::models::Recycle;

pub async fn recycle(
    state: web::Data<AppState>,
    who: Principal,
    id: web::Path<Uuid>,
    Json(input): Json<Recycle>,
) -> Result<HttpResponse, ApiError> {
    let mut problems = Problems::new();
    problems.length("waste_transfer_note", &input.waste_transfer_note, 1, 100);
    if let Some(parts) = &input.harvested_parts {
        problems.length("harvested_parts", parts, 0, 2000);
    }
    let weight_g = input.weight_kg.map(rules::grams);
    problems.check(weight_g.is_none_or(|g| g.is_some()), "weight_kg", "must be more than 0 and at most 1000");
    let earliest = NaiveDate::from_ymd_opt(2000, 1, 1).unwrap_or(NaiveDate::MIN);
    let today = chrono::Utc::now().date_naive();
    problems.check(
        input.disposed_on.day() >= earliest && input.disposed_on.day() <= today + chrono::Days::new(1),
        "disposed_on",
        "must be a date from 2000-01-01, not in the future",
    );
    problems.finish()?;
    let id = id.into_inner();
    let device = run_blocking(&state.pool, move |conn| {
        let actor = who.actor_in(conn, &[Role::Admin, Role::HubStaff, Role::Partner])?;
        in_transaction(conn, |conn| {
            let device = if actor.role == Role::Partner {
                scope::visible(conn, &actor, id)?
            } else {
                scope::in_custody(conn, &actor, id)?
            };
            if actor.role == Role::Partner {
                // A partner recycles only what its own latest job declared beyond repair.
                let latest = crate::refurbishment::repo::latest_job_of(conn, id)?;
                if latest.is_none_or(|j| Some(j.refurbisher_id) != actor.organisation_id) {
                    return Err(ApiError::not_found("device"));
                }
            }
            let recycler = crate::organisations::repo::find(conn, input.recycler_id)?
                .ok_or_else(|| ApiError::unknown_reference("recycler_id"))?;
            if !recycler.plays(OrganisationRole::Recycler) {
                return Err(crate::refurbishment::assign::wrong_part("recycler_id", "a recycler"));
            }
            let mut mv = Move::new("recycled").action(Action::Recycle).details(json!({
                "recycler_id": recycler.id,
                "waste_transfer_note": input.waste_transfer_note.trim(),
            }));
            mv.transfer_to_hub_id = Some(None);
            let recycled = moves::apply(conn, &device, Some(actor.user_id), mv)?;
            diesel::insert_into(disposal_records::table)
                .values((
                    disposal_records::id.eq(new_id()),
                    disposal_records::device_id.eq(id),
                    disposal_records::recycler_id.eq(recycler.id),
                    disposal_records::waste_transfer_note.eq(input.waste_transfer_note.trim()),
                    disposal_records::disposed_on.eq(input.disposed_on),
                    disposal_records::weight_g.eq(weight_g.flatten().or(device.weight_g)),
                    disposal_records::harvested_parts.eq(crate::http::trimmed(input.harvested_parts)),
                    disposal_records::recorded_by.eq(actor.user_id),
                ))
                .execute(conn)?;
            Ok(Device::from(recycled))
        })
    })
    .await?;
    Ok(crate::http::with_etag(HttpResponse::Ok(), device.version, &device))
}
