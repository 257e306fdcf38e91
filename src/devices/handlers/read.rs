//! Reading and describing devices: list, by id, by asset tag, PATCH of descriptive fields, history.

use actix_web::{HttpResponse, web};

use crate::auth::{DEVICE_READERS, Principal, STAFF};
use crate::devices::models::{Change, Device, DeviceFilter, HistoryQuery, UpdateDevice};
use crate::devices::repo::{self, Reach, history};
use crate::devices::rules::fields;
use crate::http::{
    ApiError, AppState, IfMatch, Json, Page, PageRequest, Query, in_transaction, run_blocking, with_etag,
};
use crate::ids::DeviceId;

pub async fn list(
    state: web::Data<AppState>,
    who: Principal,
    Query(filter): Query<DeviceFilter>,
) -> Result<HttpResponse, ApiError> {
    let page = PageRequest::new(filter.limit, filter.cursor)?;
    let body = run_blocking(&state.pool, move |conn| {
        let actor = who.actor_in(conn, STAFF)?;
        let whole = crate::devices::rules::custody::sees_all_of(&actor, filter.hub_id);
        let reach = if whole { Reach::Everywhere } else { Reach::Hubs(&actor.hub_ids) };
        let rows = repo::list(conn, &filter, reach, &page)?;
        Ok(Page::from_rows(rows, &page, |d| d.id.uuid(), Device::from))
    })
    .await?;
    Ok(HttpResponse::Ok().json(body))
}

pub async fn get(
    state: web::Data<AppState>,
    who: Principal,
    id: web::Path<DeviceId>,
) -> Result<HttpResponse, ApiError> {
    let id = id.into_inner();
    let device = run_blocking(&state.pool, move |conn| {
        let actor = who.actor_in(conn, DEVICE_READERS)?;
        Ok(Device::from(repo::visible(conn, &actor, id)?))
    })
    .await?;
    Ok(with_etag(HttpResponse::Ok(), device.version, &device))
}

pub async fn by_tag(
    state: web::Data<AppState>,
    who: Principal,
    tag: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let tag = tag.into_inner();
    let device = run_blocking(&state.pool, move |conn| {
        let actor = who.actor_in(conn, DEVICE_READERS)?;
        let row = repo::find_by_tag(conn, &tag)?.ok_or_else(|| ApiError::not_found("device"))?;
        Ok(Device::from(repo::visible(conn, &actor, row.id)?))
    })
    .await?;
    Ok(with_etag(HttpResponse::Ok(), device.version, &device))
}

pub async fn update(
    state: web::Data<AppState>,
    who: Principal,
    id: web::Path<DeviceId>,
    if_match: IfMatch,
    Json(patch): Json<UpdateDevice>,
) -> Result<HttpResponse, ApiError> {
    let changes = fields::changes_from(patch).map_err(ApiError::validation)?;
    let id = id.into_inner();
    let device = run_blocking(&state.pool, move |conn| {
        let actor = who.actor_in(conn, STAFF)?;
        in_transaction(conn, |conn| {
            let current = repo::in_custody(conn, &actor, id)?;
            let version = if_match.required_version(current.version)?;
            let row = repo::update_fields(conn, id, version, &changes)?.ok_or_else(ApiError::precondition_failed)?;
            let (before, after) = (Device::from(current), Device::from(row));
            let changed = serde_json::json!({ "changes": fields::diff(&before, &after) });
            history::record(conn, Change::note(id, Some(actor.user_id), "details_updated", changed))?;
            Ok(after)
        })
    })
    .await?;
    Ok(with_etag(HttpResponse::Ok(), device.version, &device))
}

pub async fn history(
    state: web::Data<AppState>,
    who: Principal,
    id: web::Path<DeviceId>,
    Query(query): Query<HistoryQuery>,
) -> Result<HttpResponse, ApiError> {
    let page = PageRequest::new(query.limit, query.cursor)?;
    let id = id.into_inner();
    let body = run_blocking(&state.pool, move |conn| {
        let actor = who.actor_in(conn, DEVICE_READERS)?;
        repo::visible(conn, &actor, id)?;
        let rows = history::of_device(conn, id, &page)?;
        Ok(Page::from_rows(rows, &page, |e| e.id, |e| e))
    })
    .await?;
    Ok(HttpResponse::Ok().json(body))
}
