//! `/api/v1/loan-rules`: admins set the rules; staff read them.

use actix_web::{HttpResponse, web};

use super::models::{NewLoanRule, UpdateLoanRule};
use super::{repo, rules};
use crate::auth::{ADMIN, Principal, STAFF};
use crate::http::{ApiError, AppState, IfMatch, Json, Page, created, in_transaction, run_blocking, with_etag};
use crate::ids::LoanRuleId;

pub async fn list(state: web::Data<AppState>, who: Principal) -> Result<HttpResponse, ApiError> {
    let items = run_blocking(&state.pool, move |conn| {
        who.actor_in(conn, STAFF)?;
        Ok(repo::all(conn)?)
    })
    .await?;
    Ok(HttpResponse::Ok().json(Page { items, next_cursor: None }))
}

pub async fn create(
    state: web::Data<AppState>,
    who: Principal,
    Json(input): Json<NewLoanRule>,
) -> Result<HttpResponse, ApiError> {
    rules::check_new(&input).map_err(ApiError::validation)?;
    let rule = run_blocking(&state.pool, move |conn| {
        who.actor_in(conn, ADMIN)?;
        if let Some(hub) = input.hub_id
            && crate::hubs::repo::find(conn, hub)?.is_none()
        {
            return Err(ApiError::unknown_reference("hub_id"));
        }
        Ok(repo::insert(conn, &input)?)
    })
    .await?;
    Ok(created(format!("/api/v1/loan-rules/{}", rule.id), rule.version, &rule))
}

pub async fn get(
    state: web::Data<AppState>,
    who: Principal,
    id: web::Path<LoanRuleId>,
) -> Result<HttpResponse, ApiError> {
    let id = id.into_inner();
    let rule = run_blocking(&state.pool, move |conn| {
        who.actor_in(conn, STAFF)?;
        repo::find(conn, id)?.ok_or_else(|| ApiError::not_found("loan rule"))
    })
    .await?;
    Ok(with_etag(HttpResponse::Ok(), rule.version, &rule))
}

pub async fn update(
    state: web::Data<AppState>,
    who: Principal,
    id: web::Path<LoanRuleId>,
    if_match: IfMatch,
    Json(patch): Json<UpdateLoanRule>,
) -> Result<HttpResponse, ApiError> {
    rules::check_patch(&patch).map_err(ApiError::validation)?;
    let id = id.into_inner();
    let rule = run_blocking(&state.pool, move |conn| {
        who.actor_in(conn, ADMIN)?;
        in_transaction(conn, |conn| {
            let current = repo::find(conn, id)?.ok_or_else(|| ApiError::not_found("loan rule"))?;
            let version = if_match.required_version(current.version)?;
            repo::update(conn, id, version, &patch)?.ok_or_else(ApiError::precondition_failed)
        })
    })
    .await?;
    Ok(with_etag(HttpResponse::Ok(), rule.version, &rule))
}
