//! Pop-up sales sessions: a shop on a date at a venue hub, the devices set aside for it, its
//! summary (sold, takings, subsidy, unsold), and closing it, which releases unsold devices.

use actix_web::{HttpResponse, web};
use diesel::pg::PgConnection;
use diesel::prelude::*;
use uuid::Uuid;

use super::models::{NewSession, Session, SessionFilter, SessionRow, SetAside};
use super::repo;
use crate::AppState;
use crate::auth::{Actor, Principal, Role};
use crate::db::schema::{sales_session_devices, sales_sessions};
use crate::db::{in_transaction, new_id, run_blocking};
use crate::devices::lifecycle::DeviceStatus;
use crate::http::{ApiError, FieldError, Json, Page, PageRequest, Problems, Query, created, with_etag};

const STAFF: &[Role] = &[Role::Admin, Role::HubStaff];

fn view(conn: &mut PgConnection, row: SessionRow) -> Result<Session, ApiError> {
    let set_aside = repo::set_aside_devices(conn, row.id)?;
    let mut summary = repo::summary(conn, row.id)?;
    if let Some(unsold) = row.unsold_at_close {
        summary.unsold_devices = i64::from(unsold);
    }
    Ok(Session {
        id: row.id,
        hub_id: row.hub_id,
        held_on: row.held_on,
        name: row.name,
        closed: row.closed_at.is_some(),
        closed_at: row.closed_at,
        created_by: row.created_by,
        set_aside_device_ids: set_aside,
        summary,
        version: row.version,
        created_at: row.created_at,
        updated_at: row.updated_at,
    })
}

fn visible(conn: &mut PgConnection, actor: &Actor, id: Uuid) -> Result<SessionRow, ApiError> {
    repo::find_session(conn, id)?
        .filter(|s| actor.works_at(s.hub_id))
        .ok_or_else(|| ApiError::not_found("sales session"))
}

/// Sets devices aside for a session: each must be ready, at the session's hub and not travelling.
fn set_aside(
    conn: &mut PgConnection,
    actor: &Actor,
    session: &SessionRow,
    device_ids: &[Uuid],
) -> Result<(), ApiError> {
    let mut problems = Vec::new();
    for (i, id) in device_ids.iter().enumerate() {
        let field = format!("device_ids[{i}]");
        let device =
            crate::devices::scope::visible(conn, actor, *id).map_err(|_| ApiError::unknown_reference(&field))?;
        if device.status != DeviceStatus::Ready
            || device.hub_id != Some(session.hub_id)
            || device.transfer_to_hub_id.is_some()
        {
            problems
                .push(FieldError::new(field, format!("must be ready at the session's hub (it is {})", device.status)));
            continue;
        }
        diesel::insert_into(sales_session_devices::table)
            .values((sales_session_devices::session_id.eq(session.id), sales_session_devices::device_id.eq(id)))
            .on_conflict_do_nothing()
            .execute(conn)?;
        if repo::set_aside_for(conn, *id)? != Some(session.id) {
            problems.push(FieldError::new(format!("device_ids[{i}]"), "is set aside for another session"));
        }
    }
    if problems.is_empty() {
        Ok(())
    } else {
        let mut e = ApiError::conflict("some devices cannot be set aside; none were");
        e.errors = problems;
        Err(e)
    }
}

pub async fn create(
    state: web::Data<AppState>,
    who: Principal,
    Json(input): Json<NewSession>,
) -> Result<HttpResponse, ApiError> {
    let mut problems = Problems::new();
    if let Some(name) = &input.name {
        problems.length("name", name, 0, 200);
    }
    problems.check(input.device_ids.len() <= 500, "device_ids", "at most 500 devices");
    problems.finish()?;
    let session = run_blocking(&state.pool, move |conn| {
        let actor = who.actor_in(conn, STAFF)?;
        if !actor.works_at(input.hub_id) || crate::hubs::repo::find(conn, input.hub_id)?.is_none() {
            return Err(ApiError::unknown_reference("hub_id"));
        }
        in_transaction(conn, |conn| {
            let row: SessionRow = diesel::insert_into(sales_sessions::table)
                .values((
                    sales_sessions::id.eq(new_id()),
                    sales_sessions::hub_id.eq(input.hub_id),
                    sales_sessions::held_on.eq(input.held_on),
                    sales_sessions::name.eq(crate::http::trimmed(input.name.clone())),
                    sales_sessions::created_by.eq(actor.user_id),
                ))
                .returning(SessionRow::as_returning())
                .get_result(conn)?;
            set_aside(conn, &actor, &row, &input.device_ids)?;
            view(conn, row)
        })
    })
    .await?;
    Ok(created(format!("/api/v1/sales-sessions/{}", session.id), session.version, &session))
}

pub async fn list(
    state: web::Data<AppState>,
    who: Principal,
    Query(filter): Query<SessionFilter>,
) -> Result<HttpResponse, ApiError> {
    let page = PageRequest::new(filter.limit, filter.cursor)?;
    let body = run_blocking(&state.pool, move |conn| {
        let actor = who.actor_in(conn, STAFF)?;
        let hubs = (!actor.is_admin()).then_some(actor.hub_ids.as_slice());
        let rows = repo::list_sessions(conn, &filter, hubs, &page)?;
        let more = rows.len() as i64 > page.limit;
        let page_rows: Vec<SessionRow> = rows.into_iter().take(page.limit as usize).collect();
        let next_cursor = if more { page_rows.last().map(|s| crate::http::Cursor::encode(s.id)) } else { None };
        let items = page_rows.into_iter().map(|r| view(conn, r)).collect::<Result<Vec<_>, _>>()?;
        Ok(Page { items, next_cursor })
    })
    .await?;
    Ok(HttpResponse::Ok().json(body))
}

pub async fn get(state: web::Data<AppState>, who: Principal, id: web::Path<Uuid>) -> Result<HttpResponse, ApiError> {
    let id = id.into_inner();
    let session = run_blocking(&state.pool, move |conn| {
        let actor = who.actor_in(conn, STAFF)?;
        let row = visible(conn, &actor, id)?;
        view(conn, row)
    })
    .await?;
    Ok(with_etag(HttpResponse::Ok(), session.version, &session))
}

pub async fn add_devices(
    state: web::Data<AppState>,
    who: Principal,
    id: web::Path<Uuid>,
    Json(input): Json<SetAside>,
) -> Result<HttpResponse, ApiError> {
    let mut problems = Problems::new();
    problems.check((1..=500).contains(&input.device_ids.len()), "device_ids", "give 1 to 500 devices");
    problems.finish()?;
    let id = id.into_inner();
    let session = run_blocking(&state.pool, move |conn| {
        let actor = who.actor_in(conn, STAFF)?;
        in_transaction(conn, |conn| {
            let row = visible(conn, &actor, id)?;
            if row.closed_at.is_some() {
                return Err(ApiError::conflict("the session is closed"));
            }
            set_aside(conn, &actor, &row, &input.device_ids)?;
            view(conn, row)
        })
    })
    .await?;
    Ok(with_etag(HttpResponse::Ok(), session.version, &session))
}

/// Closes the session; unsold devices go back to the hub's stock. Closing twice is a 409.
pub async fn close(state: web::Data<AppState>, who: Principal, id: web::Path<Uuid>) -> Result<HttpResponse, ApiError> {
    let id = id.into_inner();
    let session = run_blocking(&state.pool, move |conn| {
        let actor = who.actor_in(conn, STAFF)?;
        in_transaction(conn, |conn| {
            let row = visible(conn, &actor, id)?;
            let unsold = repo::summary(conn, row.id)?.unsold_devices;
            let closed: Option<SessionRow> = diesel::update(
                sales_sessions::table.filter(sales_sessions::id.eq(id)).filter(sales_sessions::closed_at.is_null()),
            )
            .set((
                sales_sessions::closed_at.eq(chrono::Utc::now()),
                sales_sessions::unsold_at_close.eq(unsold as i32),
                sales_sessions::version.eq(sales_sessions::version + 1),
                sales_sessions::updated_at.eq(chrono::Utc::now()),
            ))
            .returning(SessionRow::as_returning())
            .get_result(conn)
            .optional()?;
            let closed = closed.ok_or_else(|| ApiError::conflict("the session is already closed"))?;
            diesel::delete(sales_session_devices::table.filter(sales_session_devices::session_id.eq(id)))
                .execute(conn)?;
            view(conn, closed)
        })
    })
    .await?;
    Ok(with_etag(HttpResponse::Ok(), session.version, &session))
}
