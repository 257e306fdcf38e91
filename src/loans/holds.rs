//! Holds and the waiting list: a resident queues for a category at a hub; when a matching device is
//! returned or becomes ready there, it is reserved for the first in the queue for the rule's
//! `hold_days`, then offered to the next if not collected. Expired holds are processed whenever
//! the queue is read or changed (and so need no scheduler).

use actix_web::{HttpResponse, web};
use diesel::pg::PgConnection;
use diesel::prelude::*;
use serde_json::json;
use uuid::Uuid;

use super::models::{Hold, HoldFilter, HoldStatus, NewHold};
use super::repo;
use crate::AppState;
use crate::auth::{Actor, Principal, Role};
use crate::db::schema::{devices, holds};
use crate::db::{in_transaction, new_id, run_blocking};
use crate::devices::lifecycle::{Action, DeviceStatus};
use crate::devices::models::{Category, DeviceRow};
use crate::devices::moves::{self, Move};
use crate::http::{ApiError, Json, Page, PageRequest, Query, created, with_etag};

pub const STAFF: &[Role] = &[Role::Admin, Role::HubStaff];

fn set_status(
    conn: &mut PgConnection,
    hold: &Hold,
    status: HoldStatus,
    device: Option<Uuid>,
    expires: Option<chrono::DateTime<chrono::Utc>>,
) -> QueryResult<Hold> {
    let now = chrono::Utc::now();
    diesel::update(holds::table.find(hold.id))
        .set((
            holds::status.eq(status),
            holds::device_id.eq(device),
            holds::ready_at.eq(if status == HoldStatus::Ready { Some(now) } else { hold.ready_at }),
            holds::expires_at.eq(expires),
            holds::version.eq(holds::version + 1),
            holds::updated_at.eq(now),
        ))
        .returning(Hold::as_returning())
        .get_result(conn)
}

/// Offers a ready device to the first person waiting for its category at its hub, reserving it.
pub fn offer(conn: &mut PgConnection, device: &DeviceRow, actor: Option<Uuid>) -> Result<Option<Hold>, ApiError> {
    let (Some(hub), DeviceStatus::Ready, None) = (device.hub_id, device.status, device.transfer_to_hub_id) else {
        return Ok(None);
    };
    let Some(hold) = repo::first_waiting(conn, hub, device.category)? else { return Ok(None) };
    let rule = repo::rule_for(conn, hub, device.category)?;
    let expires = chrono::Utc::now() + chrono::Duration::days(i64::from(rule.hold_days));
    let mv = Move::new("reserved_for_hold").action(Action::Reserve).details(json!({ "hold_id": hold.id }));
    moves::apply(conn, device, actor, mv)?;
    Ok(Some(set_status(conn, &hold, HoldStatus::Ready, Some(device.id), Some(expires))?))
}

/// Pairs ready, unreserved devices at a hub with the people waiting there, in queue order.
pub fn match_queue(
    conn: &mut PgConnection,
    hub: Uuid,
    category: Category,
    actor: Option<Uuid>,
) -> Result<(), ApiError> {
    let free: Vec<DeviceRow> = devices::table
        .filter(devices::hub_id.eq(hub))
        .filter(devices::category.eq(category))
        .filter(devices::status.eq(DeviceStatus::Ready))
        .filter(devices::transfer_to_hub_id.is_null())
        .select(DeviceRow::as_select())
        .order(devices::id)
        .limit(100)
        .load(conn)?;
    for device in free {
        // Devices set aside for a pop-up sale are not free to reserve.
        if crate::sales::repo::set_aside_for(conn, device.id)?.is_some() {
            continue;
        }
        if offer(conn, &device, actor)?.is_none() {
            break;
        }
    }
    Ok(())
}

/// Expires ready holds past their time at a hub, releasing each device to the next in the queue.
pub fn expire_due(conn: &mut PgConnection, hub: Uuid) -> Result<(), ApiError> {
    let due: Vec<Hold> = holds::table
        .filter(holds::hub_id.eq(hub))
        .filter(holds::status.eq(HoldStatus::Ready))
        .filter(holds::expires_at.lt(chrono::Utc::now()))
        .select(Hold::as_select())
        .for_update()
        .skip_locked()
        .load(conn)?;
    for hold in due {
        set_status(conn, &hold, HoldStatus::Expired, hold.device_id, hold.expires_at)?;
        release_and_reoffer(conn, &hold, None)?;
    }
    Ok(())
}

fn release_and_reoffer(conn: &mut PgConnection, hold: &Hold, actor: Option<Uuid>) -> Result<(), ApiError> {
    let Some(device_id) = hold.device_id else { return Ok(()) };
    let Some(device) = crate::devices::repo::find(conn, device_id)? else { return Ok(()) };
    if device.status == DeviceStatus::Reserved {
        let mv =
            Move::new("reservation_released").action(Action::ReleaseReservation).details(json!({ "hold_id": hold.id }));
        let released = moves::apply(conn, &device, actor, mv)?;
        offer(conn, &released, actor)?;
    }
    Ok(())
}

fn visible(conn: &mut PgConnection, actor: &Actor, id: Uuid) -> Result<Hold, ApiError> {
    repo::find_hold(conn, id)?.filter(|h| actor.works_at(h.hub_id)).ok_or_else(|| ApiError::not_found("hold"))
}

pub async fn create(
    state: web::Data<AppState>,
    who: Principal,
    Json(input): Json<NewHold>,
) -> Result<HttpResponse, ApiError> {
    let hold = run_blocking(&state.pool, move |conn| {
        let actor = who.actor_in(conn, STAFF)?;
        if !actor.works_at(input.hub_id) || crate::hubs::repo::find(conn, input.hub_id)?.is_none() {
            return Err(ApiError::unknown_reference("hub_id"));
        }
        in_transaction(conn, |conn| {
            let resident = crate::residents::repo::lock_for_service(conn, input.resident_id)?;
            let hold: Hold = diesel::insert_into(holds::table)
                .values((
                    holds::id.eq(new_id()),
                    holds::resident_id.eq(resident.id),
                    holds::hub_id.eq(input.hub_id),
                    holds::category.eq(input.category),
                    holds::created_by.eq(actor.user_id),
                ))
                .returning(Hold::as_returning())
                .get_result(conn)?;
            expire_due(conn, input.hub_id)?;
            match_queue(conn, input.hub_id, input.category, Some(actor.user_id))?;
            Ok(repo::find_hold(conn, hold.id)?.unwrap_or(hold))
        })
    })
    .await?;
    Ok(created(format!("/api/v1/holds/{}", hold.id), hold.version, &hold))
}

/// The queue: waiting holds in the order they were placed, then the rest.
pub async fn list(
    state: web::Data<AppState>,
    who: Principal,
    Query(filter): Query<HoldFilter>,
) -> Result<HttpResponse, ApiError> {
    let page = PageRequest::new(filter.limit, filter.cursor)?;
    let body = run_blocking(&state.pool, move |conn| {
        let actor = who.actor_in(conn, STAFF)?;
        let hubs: Vec<Uuid> = if actor.is_admin() {
            // Every hub with a reservation past its time.
            holds::table
                .filter(holds::status.eq(HoldStatus::Ready))
                .filter(holds::expires_at.lt(chrono::Utc::now()))
                .select(holds::hub_id)
                .distinct()
                .load(conn)?
        } else {
            actor.hub_ids.clone()
        };
        for hub in &hubs {
            in_transaction(conn, |conn| expire_due(conn, *hub))?;
        }
        let mut query = holds::table.select(Hold::as_select()).into_boxed();
        if !actor.is_admin() {
            query = query.filter(holds::hub_id.eq_any(actor.hub_ids.clone()));
        }
        if let Some(after) = page.after {
            query = query.filter(holds::id.gt(after));
        }
        if let Some(h) = filter.hub_id {
            query = query.filter(holds::hub_id.eq(h));
        }
        if let Some(c) = filter.category {
            query = query.filter(holds::category.eq(c.as_str()));
        }
        if let Some(s) = filter.status {
            query = query.filter(holds::status.eq(s));
        }
        if let Some(r) = filter.resident_id {
            query = query.filter(holds::resident_id.eq(r));
        }
        let rows = query.order(holds::id).limit(page.fetch()).load(conn)?;
        Ok(Page::from_rows(rows, &page, |h| h.id, |h| h))
    })
    .await?;
    Ok(HttpResponse::Ok().json(body))
}

pub async fn get(state: web::Data<AppState>, who: Principal, id: web::Path<Uuid>) -> Result<HttpResponse, ApiError> {
    let id = id.into_inner();
    let hold = run_blocking(&state.pool, move |conn| {
        let actor = who.actor_in(conn, STAFF)?;
        let hold = visible(conn, &actor, id)?;
        in_transaction(conn, |conn| expire_due(conn, hold.hub_id))?;
        visible(conn, &actor, id)
    })
    .await?;
    Ok(with_etag(HttpResponse::Ok(), hold.version, &hold))
}

/// Cancels a waiting or ready hold; a reserved device goes to the next in the queue.
pub async fn cancel(state: web::Data<AppState>, who: Principal, id: web::Path<Uuid>) -> Result<HttpResponse, ApiError> {
    let id = id.into_inner();
    let hold = run_blocking(&state.pool, move |conn| {
        let actor = who.actor_in(conn, STAFF)?;
        in_transaction(conn, |conn| {
            visible(conn, &actor, id)?;
            // Locked, so an expiry sweep running at the same moment cannot act on it too.
            let hold: Hold = holds::table.find(id).select(Hold::as_select()).for_update().first(conn)?;
            if !matches!(hold.status, HoldStatus::Waiting | HoldStatus::Ready) {
                return Err(ApiError::conflict(format!("the hold is already {}", hold.status))
                    .with_extension("current_status", hold.status.as_str()));
            }
            let cancelled = set_status(conn, &hold, HoldStatus::Cancelled, hold.device_id, hold.expires_at)?;
            release_and_reoffer(conn, &hold, Some(actor.user_id))?;
            Ok(cancelled)
        })
    })
    .await?;
    Ok(with_etag(HttpResponse::Ok(), hold.version, &hold))
}

/// Marks the hold collected when its device is lent to its holder.
pub fn fulfil(conn: &mut PgConnection, hold: &Hold) -> QueryResult<Hold> {
    set_status(conn, hold, HoldStatus::Fulfilled, hold.device_id, hold.expires_at)
}
