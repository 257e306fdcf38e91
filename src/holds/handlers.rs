//! `/api/v1/holds`: staff place a resident in the queue, read it, and cancel holds. The queue
//! operations below are shared with the application's hand-over (a device becoming ready is
//! offered to the first person waiting) and with lending (a loan collects its hold).

use actix_web::{HttpResponse, web};
use diesel::pg::PgConnection;
use serde_json::{Value, json};

use super::models::{Hold, HoldFilter, HoldStatus, NewHold};
use super::repo;
use super::rules::{self, Refusal};
use crate::auth::{Actor, Principal, STAFF};
use crate::devices::handlers::Effects;
use crate::devices::models::{Action, Category, DeviceRow, DeviceStatus, Move};
use crate::devices::repo::moves;
use crate::http::{
    ApiError, AppState, Json, Page, PageRequest, Query, created, in_transaction, run_blocking, with_etag,
};
use crate::ids::{HoldId, HubId, ResidentId, UserId};

type Effect<'a> = &'a dyn crate::devices::repo::moves::Effects;

impl From<Refusal> for ApiError {
    fn from(refusal: Refusal) -> Self {
        match refusal {
            Refusal::NotFound => ApiError::not_found("hold"),
            Refusal::Closed { status } => ApiError::conflict(format!("the hold is already {status}"))
                .with_extension("current_status", status.as_str()),
        }
    }
}

/// Offers a ready device to the first person waiting for its category at its hub, reserving it.
pub fn offer(
    conn: &mut PgConnection,
    effects: Effect,
    device: &DeviceRow,
    actor: Option<UserId>,
) -> Result<Option<DeviceRow>, ApiError> {
    let Some(hub) = rules::offerable(device) else { return Ok(None) };
    let Some(hold) = repo::first_waiting(conn, hub, device.category)? else { return Ok(None) };
    let rule = crate::loan_rules::repo::rule_for(conn, hub, device.category)?;
    let mv = Move::new("reserved_for_hold").action(Action::Reserve).details(json!({ "hold_id": hold.id }));
    let reserved = moves::apply(conn, effects, device, actor, mv)?;
    let until = rules::kept_until(chrono::Utc::now(), rule.hold_days);
    let open_day = crate::hubs::handlers::next_open_day(conn, hub, crate::calendar::local_date(until))?;
    let until = rules::collect_by(until, open_day);
    repo::set_status(conn, &hold, HoldStatus::Ready, Some(device.id), Some(until))?;
    crate::notices::handlers::hold_ready(conn, (hold.id, hold.resident_id, hub), device.category.as_str(), until)?;
    Ok(Some(reserved))
}

/// Pairs ready, unreserved devices at a hub with the people waiting there, in queue order. Devices
/// set aside for a pop-up sale are not free to reserve.
pub fn match_queue(
    conn: &mut PgConnection,
    effects: Effect,
    hub: HubId,
    category: Category,
    actor: Option<UserId>,
) -> Result<(), ApiError> {
    for device in crate::devices::repo::ready_at(conn, hub, category, 100)? {
        if rules::offerable(&device).is_none() || crate::sales_sessions::repo::set_aside_for(conn, device.id)?.is_some()
        {
            continue;
        }
        if offer(conn, effects, &device, actor)?.is_none() {
            break;
        }
    }
    Ok(())
}

/// Expires ready holds past their time at a hub, releasing each device to the next in the queue.
pub fn expire_due(conn: &mut PgConnection, effects: Effect, hub: HubId) -> Result<(), ApiError> {
    for hold in repo::lapsed_at(conn, hub)? {
        repo::set_status(conn, &hold, HoldStatus::Expired, hold.device_id, hold.expires_at)?;
        release(conn, effects, &hold, None)?;
    }
    Ok(())
}

/// Releases the device a hold reserved; the release makes it ready, so it goes to the next in line.
fn release(conn: &mut PgConnection, effects: Effect, hold: &Hold, actor: Option<UserId>) -> Result<(), ApiError> {
    let Some(device_id) = hold.device_id else { return Ok(()) };
    let Some(device) = crate::devices::repo::find(conn, device_id)? else { return Ok(()) };
    if device.status == DeviceStatus::Reserved {
        let mv =
            Move::new("reservation_released").action(Action::ReleaseReservation).details(json!({ "hold_id": hold.id }));
        moves::apply(conn, effects, &device, actor, mv)?;
    }
    Ok(())
}

/// Marks the hold collected when its device is lent to its holder.
pub fn fulfil(conn: &mut PgConnection, hold: &Hold) -> Result<Hold, ApiError> {
    Ok(repo::set_status(conn, hold, HoldStatus::Fulfilled, hold.device_id, hold.expires_at)?)
}

/// The resident's holds, for a subject access export.
pub fn export_section(conn: &mut PgConnection, resident: ResidentId) -> Result<Vec<Value>, ApiError> {
    repo::of_resident(conn, resident)?
        .into_iter()
        .map(|h| serde_json::to_value(h).map_err(ApiError::internal))
        .collect()
}

fn visible(conn: &mut PgConnection, actor: &Actor, id: HoldId) -> Result<Hold, ApiError> {
    Ok(repo::find(conn, id)?.filter(|h| actor.works_at(h.hub_id)).ok_or(Refusal::NotFound)?)
}

pub async fn create(
    state: web::Data<AppState>,
    effects: Effects,
    who: Principal,
    Json(input): Json<NewHold>,
) -> Result<HttpResponse, ApiError> {
    let effects = effects.into_inner();
    let hold = run_blocking(&state.pool, move |conn| {
        let actor = who.actor_in(conn, STAFF)?;
        if !actor.works_at(input.hub_id) || crate::hubs::repo::find(conn, input.hub_id)?.is_none() {
            return Err(ApiError::unknown_reference("hub_id"));
        }
        in_transaction(conn, |conn| {
            crate::residents::repo::lock_for_service(conn, input.resident_id)?;
            let hold = repo::insert(conn, &input, actor.user_id)?;
            expire_due(conn, &*effects, input.hub_id)?;
            match_queue(conn, &*effects, input.hub_id, input.category, Some(actor.user_id))?;
            Ok(repo::find(conn, hold.id)?.unwrap_or(hold))
        })
    })
    .await?;
    Ok(created(format!("/api/v1/holds/{}", hold.id), hold.version, &hold))
}

/// The queue: waiting holds in the order they were placed, then the rest. Lapsed reservations at
/// the caller's hubs (every hub, for an admin) are released first.
pub async fn list(
    state: web::Data<AppState>,
    effects: Effects,
    who: Principal,
    Query(filter): Query<HoldFilter>,
) -> Result<HttpResponse, ApiError> {
    let page = PageRequest::new(filter.limit, filter.cursor)?;
    let effects = effects.into_inner();
    let body = run_blocking(&state.pool, move |conn| {
        let actor = who.actor_in(conn, STAFF)?;
        let hubs = if actor.is_admin() { repo::hubs_with_lapsed(conn)? } else { actor.hub_ids.clone() };
        for hub in hubs {
            in_transaction(conn, |conn| expire_due(conn, &*effects, hub))?;
        }
        let scope = (!actor.is_admin()).then_some(actor.hub_ids.as_slice());
        let rows = repo::list(conn, &filter, scope, &page)?;
        Ok(Page::from_rows(rows, &page, |h| h.id.uuid(), |h| h))
    })
    .await?;
    Ok(HttpResponse::Ok().json(body))
}

pub async fn get(
    state: web::Data<AppState>,
    effects: Effects,
    who: Principal,
    id: web::Path<HoldId>,
) -> Result<HttpResponse, ApiError> {
    let (id, effects) = (id.into_inner(), effects.into_inner());
    let hold = run_blocking(&state.pool, move |conn| {
        let actor = who.actor_in(conn, STAFF)?;
        let hold = visible(conn, &actor, id)?;
        in_transaction(conn, |conn| expire_due(conn, &*effects, hold.hub_id))?;
        visible(conn, &actor, id)
    })
    .await?;
    Ok(with_etag(HttpResponse::Ok(), hold.version, &hold))
}

/// Cancels a waiting or ready hold; a reserved device goes to the next in the queue.
pub async fn cancel(
    state: web::Data<AppState>,
    effects: Effects,
    who: Principal,
    id: web::Path<HoldId>,
) -> Result<HttpResponse, ApiError> {
    let (id, effects) = (id.into_inner(), effects.into_inner());
    let hold = run_blocking(&state.pool, move |conn| {
        let actor = who.actor_in(conn, STAFF)?;
        in_transaction(conn, |conn| {
            visible(conn, &actor, id)?;
            let hold = repo::lock(conn, id)?;
            rules::may_cancel(&hold)?;
            let cancelled = repo::set_status(conn, &hold, HoldStatus::Cancelled, hold.device_id, hold.expires_at)?;
            release(conn, &*effects, &hold, Some(actor.user_id))?;
            Ok(cancelled)
        })
    })
    .await?;
    Ok(with_etag(HttpResponse::Ok(), hold.version, &hold))
}
