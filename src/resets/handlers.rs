//! `/api/v1/devices/{id}/resets`: staff record the reset done at the counter and read the record.
//! `record` is shared with a loan's return (which can carry the reset) and the demo.

use actix_web::{HttpResponse, web};
use chrono::Utc;
use diesel::pg::PgConnection;
use serde_json::json;

use super::models::{NewReset, Reset, Resets};
use super::repo;
use super::rules::{self, Refusal};
use crate::auth::{Principal, STAFF};
use crate::devices::handlers::Effects;
use crate::devices::models::{Action, DeviceRow, Move};
use crate::devices::repo::moves;
use crate::http::{ApiError, AppState, Json, created, in_transaction, run_blocking};
use crate::ids::{DeviceId, ResetId, UserId};

type Effect<'a> = &'a dyn moves::Effects;

impl From<Refusal> for ApiError {
    fn from(refusal: Refusal) -> Self {
        match refusal {
            Refusal::NotFound => ApiError::not_found("reset"),
            Refusal::WithResident { status } => {
                ApiError::conflict(format!("the device is {status}: reset it when it comes back"))
                    .with_extension("current_status", status.as_str())
            }
            Refusal::NotAtCounter { status } => ApiError::conflict(format!(
                "a device that is {status} is not reset at the counter; a refurbisher's verified wipe sanitises it"
            ))
            .with_extension("current_status", status.as_str()),
            Refusal::AlreadySanitised { status } => {
                ApiError::conflict("the device has been reset or wiped since it was last handed over")
                    .with_extension("current_status", status.as_str())
            }
        }
    }
}

/// Records a reset of `device` (as read in this transaction) and moves it on: a verified reset of
/// a device awaiting one makes it ready, and so offered to whoever waits for it.
pub fn record(
    conn: &mut PgConnection,
    effects: Effect,
    device: &DeviceRow,
    input: &NewReset,
    by: Option<UserId>,
) -> Result<Reset, ApiError> {
    let sanitised = crate::devices::rules::custody::sanitised_for_next(device);
    let action = rules::outcome(device.status, input.verified, sanitised)?;
    let performed_at = input.performed_at.unwrap_or_else(Utc::now);
    rules::after_hand_over(performed_at, device.handed_over_at).map_err(|e| ApiError::validation(vec![e]))?;
    let row = repo::insert(conn, device.id, input, performed_at, by)?;
    let kind = if input.verified { "reset" } else { "reset_unverified" };
    let details = json!({ "reset_id": row.id, "method": input.method, "verified": input.verified });
    let mut mv = Move::new(kind).details(details).at(performed_at);
    mv.action = action;
    let after = moves::apply(conn, effects, device, by, mv)?;
    Ok(Reset { row, device_status: after.status })
}

/// After a return in good order (or a refund): the reset done at the counter, if one came with
/// it; a device that holds no data needs none and is ready at once.
pub fn after_return(
    conn: &mut PgConnection,
    effects: Effect,
    device: &DeviceRow,
    reset: Option<&NewReset>,
    by: Option<UserId>,
) -> Result<DeviceRow, ApiError> {
    if let Some(input) = reset {
        record(conn, effects, device, input, by)?;
    } else if rules::needs_no_reset(device.category, device.status) {
        moves::apply(conn, effects, device, by, Move::new("no_reset_needed").action(Action::Reset))?;
    }
    crate::devices::repo::find(conn, device.id)?.ok_or_else(|| ApiError::not_found("device"))
}

pub async fn create(
    state: web::Data<AppState>,
    effects: Effects,
    who: Principal,
    id: web::Path<DeviceId>,
    Json(input): Json<NewReset>,
) -> Result<HttpResponse, ApiError> {
    rules::check(&input, Utc::now()).map_err(ApiError::validation)?;
    let (id, effects) = (id.into_inner(), effects.into_inner());
    let reset = run_blocking(&state.pool, move |conn| {
        let actor = who.actor_in(conn, STAFF)?;
        in_transaction(conn, |conn| {
            let device = crate::devices::repo::in_custody(conn, &actor, id)?;
            record(conn, &*effects, &device, &input, Some(actor.user_id))
        })
    })
    .await?;
    Ok(created(format!("/api/v1/devices/{id}/resets/{}", reset.row.id), 1, &reset))
}

pub async fn list(
    state: web::Data<AppState>,
    who: Principal,
    id: web::Path<DeviceId>,
) -> Result<HttpResponse, ApiError> {
    let id = id.into_inner();
    let items = run_blocking(&state.pool, move |conn| {
        let actor = who.actor_in(conn, STAFF)?;
        crate::devices::repo::visible(conn, &actor, id)?;
        Ok(repo::of_device(conn, id)?)
    })
    .await?;
    Ok(HttpResponse::Ok().json(Resets { items }))
}

pub async fn get(
    state: web::Data<AppState>,
    who: Principal,
    path: web::Path<(DeviceId, ResetId)>,
) -> Result<HttpResponse, ApiError> {
    let (device, id) = path.into_inner();
    let row = run_blocking(&state.pool, move |conn| {
        let actor = who.actor_in(conn, STAFF)?;
        crate::devices::repo::visible(conn, &actor, device)?;
        Ok(repo::find(conn, device, id)?.ok_or(Refusal::NotFound)?)
    })
    .await?;
    Ok(HttpResponse::Ok().json(row))
}
