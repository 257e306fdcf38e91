//! HTTP handlers for `/api/v1/wards`.

use actix_web::{HttpResponse, web};

use super::models::{CreateWard, UpdateWard, WardFilter};
use super::repo;
use super::rules::{check_deri_score, check_name};
use crate::auth::{ADMIN, ANY_ROLE, Principal};
use crate::http::{
    ApiError, AppState, IfMatch, Json, Page, PageRequest, Problems, Query, created, in_transaction, run_blocking,
    with_etag,
};
use crate::ids::WardId;

pub async fn list(
    state: web::Data<AppState>,
    who: Principal,
    Query(filter): Query<WardFilter>,
) -> Result<HttpResponse, ApiError> {
    let page = PageRequest::new(filter.limit, filter.cursor)?;
    let body = run_blocking(&state.pool, move |conn| {
        who.actor_in(conn, ANY_ROLE)?;
        let rows = repo::list(conn, &filter, &page)?;
        Ok(Page::from_rows(rows, &page, |w| w.id.uuid(), |w| w))
    })
    .await?;
    Ok(HttpResponse::Ok().json(body))
}

pub async fn create(
    state: web::Data<AppState>,
    who: Principal,
    Json(input): Json<CreateWard>,
) -> Result<HttpResponse, ApiError> {
    let mut problems = Problems::new();
    check_name(&mut problems, &input.name);
    check_deri_score(&mut problems, input.deri_score);
    problems.finish()?;
    let ward = run_blocking(&state.pool, move |conn| {
        who.actor_in(conn, ADMIN)?;
        Ok(repo::insert(conn, &input)?)
    })
    .await?;
    Ok(created(format!("/api/v1/wards/{}", ward.id), ward.version, &ward))
}

pub async fn get(state: web::Data<AppState>, who: Principal, id: web::Path<WardId>) -> Result<HttpResponse, ApiError> {
    let id = id.into_inner();
    let ward = run_blocking(&state.pool, move |conn| {
        who.actor_in(conn, ANY_ROLE)?;
        repo::find(conn, id)?.ok_or_else(|| ApiError::not_found("ward"))
    })
    .await?;
    Ok(with_etag(HttpResponse::Ok(), ward.version, &ward))
}

pub async fn update(
    state: web::Data<AppState>,
    who: Principal,
    id: web::Path<WardId>,
    if_match: IfMatch,
    Json(patch): Json<UpdateWard>,
) -> Result<HttpResponse, ApiError> {
    let mut problems = Problems::new();
    if let Some(name) = &patch.name {
        check_name(&mut problems, name);
    }
    check_deri_score(&mut problems, patch.deri_score.flatten());
    problems.finish()?;
    let id = id.into_inner();
    let ward = run_blocking(&state.pool, move |conn| {
        who.actor_in(conn, ADMIN)?;
        in_transaction(conn, |conn| {
            let current = repo::find(conn, id)?.ok_or_else(|| ApiError::not_found("ward"))?;
            let version = if_match.required_version(current.version)?;
            repo::update(conn, id, version, patch)?.ok_or_else(ApiError::precondition_failed)
        })
    })
    .await?;
    Ok(with_etag(HttpResponse::Ok(), ward.version, &ward))
}
