//! HTTP handlers for `/api/v1/hubs`, `/api/v1/hubs/{id}/calendar` and `/api/v1/closures`.

use actix_web::{HttpResponse, web};
use chrono::NaiveDate;
use diesel::pg::PgConnection;
use uuid::Uuid;

use super::models::{
    CalendarQuery, CalendarView, ClosureFilter, Closures, CreateHub, HubFilter, NewClosure, UpdateHub,
};
use super::{repo, rules};
use crate::auth::{ADMIN, ANY_ROLE, Principal, STAFF};
use crate::http::{
    ApiError, AppState, IfMatch, Json, Page, PageRequest, Problems, Query, created, in_transaction, run_blocking,
    with_etag,
};
use crate::ids::HubId;

/// The first day from `date` on that `hub` is open: where a due date or a hold's deadline that
/// falls on a closed day moves to.
pub fn next_open_day(conn: &mut PgConnection, hub: HubId, date: NaiveDate) -> Result<NaiveDate, ApiError> {
    let until = date.checked_add_signed(chrono::Duration::days(rules::CALENDAR_MAX_DAYS)).unwrap_or(NaiveDate::MAX);
    Ok(rules::next_open_day(&repo::calendar(conn, hub, date, until)?, date))
}

/// The hub's open and closed days from `from` to `to` (four weeks from today by default).
pub async fn calendar(
    state: web::Data<AppState>,
    who: Principal,
    id: web::Path<HubId>,
    Query(query): Query<CalendarQuery>,
) -> Result<HttpResponse, ApiError> {
    let today = crate::calendar::local_date(chrono::Utc::now());
    let (from, to) = rules::calendar_span(today, query.from.map(|d| d.day()), query.to.map(|d| d.day()))
        .map_err(|e| ApiError::validation(vec![e]))?;
    let id = id.into_inner();
    let body = run_blocking(&state.pool, move |conn| {
        who.actor_in(conn, ANY_ROLE)?;
        repo::find(conn, id)?.ok_or_else(|| ApiError::not_found("hub"))?;
        let calendar = repo::calendar(conn, id, from, to)?;
        let days = from.iter_days().take_while(|d| *d <= to).map(|d| rules::day(&calendar, d)).collect();
        Ok(CalendarView {
            hub_id: id,
            from: from.into(),
            to: to.into(),
            hours_recorded: calendar.hours.is_some(),
            days,
        })
    })
    .await?;
    Ok(HttpResponse::Ok().json(body))
}

pub async fn list_closures(
    state: web::Data<AppState>,
    who: Principal,
    Query(filter): Query<ClosureFilter>,
) -> Result<HttpResponse, ApiError> {
    let items = run_blocking(&state.pool, move |conn| {
        who.actor_in(conn, STAFF)?;
        Ok(repo::closures(conn, &filter)?)
    })
    .await?;
    Ok(HttpResponse::Ok().json(Closures { items }))
}

/// Admins close a hub (or, with no hub, every hub) for some days. Loans already due on them keep
/// their dates; new due dates and hold deadlines move past them.
pub async fn create_closure(
    state: web::Data<AppState>,
    who: Principal,
    Json(input): Json<NewClosure>,
) -> Result<HttpResponse, ApiError> {
    let mut problems = Problems::new();
    rules::check_closure(&mut problems, &input);
    problems.finish()?;
    let closure = run_blocking(&state.pool, move |conn| {
        let actor = who.actor_in(conn, ADMIN)?;
        if let Some(hub) = input.hub_id {
            repo::find(conn, hub)?.ok_or_else(|| ApiError::unknown_reference("hub_id"))?;
        }
        Ok(repo::insert_closure(conn, &input, actor.user_id)?)
    })
    .await?;
    Ok(created(format!("/api/v1/closures/{}", closure.id), 1, &closure))
}

pub async fn get_closure(
    state: web::Data<AppState>,
    who: Principal,
    id: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    let id = id.into_inner();
    let closure = run_blocking(&state.pool, move |conn| {
        who.actor_in(conn, STAFF)?;
        repo::find_closure(conn, id)?.ok_or_else(|| ApiError::not_found("closure"))
    })
    .await?;
    Ok(HttpResponse::Ok().json(closure))
}

pub async fn delete_closure(
    state: web::Data<AppState>,
    who: Principal,
    id: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    let id = id.into_inner();
    run_blocking(&state.pool, move |conn| {
        who.actor_in(conn, ADMIN)?;
        if repo::delete_closure(conn, id)? { Ok(()) } else { Err(ApiError::not_found("closure")) }
    })
    .await?;
    Ok(HttpResponse::NoContent().finish())
}

pub async fn list(
    state: web::Data<AppState>,
    who: Principal,
    Query(filter): Query<HubFilter>,
) -> Result<HttpResponse, ApiError> {
    let page = PageRequest::new(filter.limit, filter.cursor)?;
    let body = run_blocking(&state.pool, move |conn| {
        who.actor_in(conn, ANY_ROLE)?;
        let rows = repo::list(conn, &filter, &page)?;
        Ok(Page::from_rows(rows, &page, |h| h.id.uuid(), |h| h))
    })
    .await?;
    Ok(HttpResponse::Ok().json(body))
}

pub async fn create(
    state: web::Data<AppState>,
    who: Principal,
    Json(mut input): Json<CreateHub>,
) -> Result<HttpResponse, ApiError> {
    let mut problems = Problems::new();
    rules::check_fields(&mut problems, Some(&input.name), input.address.as_deref());
    rules::normalise_optional_postcode(&mut problems, &mut input.postcode);
    if let Some(hours) = &input.opening_hours {
        rules::check_hours(&mut problems, "opening_hours", hours);
    }
    problems.finish()?;
    input.name = input.name.trim().to_owned();
    input.address = crate::http::trimmed(input.address);
    let hub = run_blocking(&state.pool, move |conn| {
        who.actor_in(conn, ADMIN)?;
        Ok(repo::insert(conn, &input)?)
    })
    .await?;
    Ok(created(format!("/api/v1/hubs/{}", hub.id), hub.version, &hub))
}

pub async fn get(state: web::Data<AppState>, who: Principal, id: web::Path<HubId>) -> Result<HttpResponse, ApiError> {
    let id = id.into_inner();
    let hub = run_blocking(&state.pool, move |conn| {
        who.actor_in(conn, ANY_ROLE)?;
        repo::find(conn, id)?.ok_or_else(|| ApiError::not_found("hub"))
    })
    .await?;
    Ok(with_etag(HttpResponse::Ok(), hub.version, &hub))
}

pub async fn update(
    state: web::Data<AppState>,
    who: Principal,
    id: web::Path<HubId>,
    if_match: IfMatch,
    Json(mut patch): Json<UpdateHub>,
) -> Result<HttpResponse, ApiError> {
    let mut problems = Problems::new();
    rules::check_fields(&mut problems, patch.name.as_deref(), patch.address.as_ref().and_then(|a| a.as_deref()));
    if let Some(postcode) = patch.postcode.as_mut() {
        rules::normalise_optional_postcode(&mut problems, postcode);
    }
    if let Some(Some(hours)) = &patch.opening_hours {
        rules::check_hours(&mut problems, "opening_hours", hours);
    }
    problems.finish()?;
    patch.name = patch.name.map(|n| n.trim().to_owned());
    patch.address = patch.address.map(crate::http::trimmed);
    let id = id.into_inner();
    let hub = run_blocking(&state.pool, move |conn| {
        who.actor_in(conn, ADMIN)?;
        in_transaction(conn, |conn| {
            let current = repo::find(conn, id)?.ok_or_else(|| ApiError::not_found("hub"))?;
            let version = if_match.required_version(current.version)?;
            repo::update(conn, id, version, &patch)?.ok_or_else(ApiError::precondition_failed)
        })
    })
    .await?;
    Ok(with_etag(HttpResponse::Ok(), hub.version, &hub))
}
