//! `/api/v1/sales-sessions`: staff open pop-up sessions at their hubs, set devices aside for
//! them, read their summaries and close them.

use actix_web::{HttpResponse, web};
use diesel::pg::PgConnection;

use super::models::{NewSession, Session, SessionFilter, SessionRow, SetAside};
use super::repo;
use super::rules::{self, Refusal};
use crate::auth::{Actor, Principal, STAFF};
use crate::http::{
    ApiError, AppState, Cursor, FieldError, Json, Page, PageRequest, Query, created, in_transaction, run_blocking,
    with_etag,
};
use crate::ids::{DeviceId, SessionId};

impl From<Refusal> for ApiError {
    fn from(refusal: Refusal) -> Self {
        match refusal {
            Refusal::NotFound => ApiError::not_found("sales session"),
            Refusal::Closed => ApiError::conflict("the session is closed"),
            Refusal::AlreadyClosed => ApiError::conflict("the session is already closed"),
            Refusal::Unavailable(errors) => {
                ApiError::conflict("some devices cannot be set aside; none were").with_errors(errors)
            }
        }
    }
}

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

fn visible(conn: &mut PgConnection, actor: &Actor, id: SessionId) -> Result<SessionRow, ApiError> {
    Ok(repo::find(conn, id)?.filter(|s| actor.works_at(s.hub_id)).ok_or(Refusal::NotFound)?)
}

/// Sets devices aside for a session: each must be ready at the session's hub, not travelling, and
/// not set aside for another session. All or none.
fn set_aside(conn: &mut PgConnection, actor: &Actor, session: &SessionRow, ids: &[DeviceId]) -> Result<(), ApiError> {
    let mut problems = Vec::new();
    for (i, id) in ids.iter().enumerate() {
        let field = format!("device_ids[{i}]");
        let device =
            crate::devices::repo::visible(conn, actor, *id).map_err(|_| ApiError::unknown_reference(&field))?;
        if let Some(problem) = rules::settable(&field, session, &device) {
            problems.push(problem);
            continue;
        }
        repo::set_aside(conn, session.id, *id)?;
        if repo::set_aside_for(conn, *id)? != Some(session.id) {
            problems.push(FieldError::new(field, "is set aside for another session"));
        }
    }
    if problems.is_empty() { Ok(()) } else { Err(Refusal::Unavailable(problems).into()) }
}

pub async fn create(
    state: web::Data<AppState>,
    who: Principal,
    Json(input): Json<NewSession>,
) -> Result<HttpResponse, ApiError> {
    rules::check_new(&input).map_err(ApiError::validation)?;
    let session = run_blocking(&state.pool, move |conn| {
        let actor = who.actor_in(conn, STAFF)?;
        if !actor.works_at(input.hub_id) || crate::hubs::repo::find(conn, input.hub_id)?.is_none() {
            return Err(ApiError::unknown_reference("hub_id"));
        }
        in_transaction(conn, |conn| {
            let row = repo::insert(conn, &input, actor.user_id)?;
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
        let rows = repo::list(conn, &filter, hubs, &page)?;
        let more = rows.len() as i64 > page.limit;
        let page_rows: Vec<SessionRow> = rows.into_iter().take(page.limit as usize).collect();
        let next_cursor = if more { page_rows.last().map(|s| Cursor::encode(s.id.uuid())) } else { None };
        let items = page_rows.into_iter().map(|r| view(conn, r)).collect::<Result<Vec<_>, _>>()?;
        Ok(Page { items, next_cursor })
    })
    .await?;
    Ok(HttpResponse::Ok().json(body))
}

pub async fn get(
    state: web::Data<AppState>,
    who: Principal,
    id: web::Path<SessionId>,
) -> Result<HttpResponse, ApiError> {
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
    id: web::Path<SessionId>,
    Json(input): Json<SetAside>,
) -> Result<HttpResponse, ApiError> {
    rules::check_set_aside(&input).map_err(ApiError::validation)?;
    let id = id.into_inner();
    let session = run_blocking(&state.pool, move |conn| {
        let actor = who.actor_in(conn, STAFF)?;
        in_transaction(conn, |conn| {
            let row = visible(conn, &actor, id)?;
            rules::open(&row)?;
            set_aside(conn, &actor, &row, &input.device_ids)?;
            view(conn, row)
        })
    })
    .await?;
    Ok(with_etag(HttpResponse::Ok(), session.version, &session))
}

/// Closes the session; unsold devices go back to the hub's stock. Closing twice is a 409.
pub async fn close(
    state: web::Data<AppState>,
    who: Principal,
    id: web::Path<SessionId>,
) -> Result<HttpResponse, ApiError> {
    let id = id.into_inner();
    let session = run_blocking(&state.pool, move |conn| {
        let actor = who.actor_in(conn, STAFF)?;
        in_transaction(conn, |conn| {
            let row = visible(conn, &actor, id)?;
            let unsold = repo::summary(conn, row.id)?.unsold_devices;
            let closed = repo::close(conn, id, unsold)?.ok_or(Refusal::AlreadyClosed)?;
            view(conn, closed)
        })
    })
    .await?;
    Ok(with_etag(HttpResponse::Ok(), session.version, &session))
}
