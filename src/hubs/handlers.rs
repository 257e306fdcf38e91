//! HTTP handlers for `/api/v1/hubs`.

use actix_web::{HttpResponse, web};

use super::models::{CreateHub, HubFilter, UpdateHub};
use super::{repo, rules};
use crate::auth::{ADMIN, ANY_ROLE, Principal};
use crate::http::{
    ApiError, AppState, IfMatch, Json, Page, PageRequest, Problems, Query, created, in_transaction, run_blocking,
    with_etag,
};
use crate::ids::HubId;

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
