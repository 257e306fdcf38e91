//! HTTP handlers for `/api/v1/organisations`.

use actix_web::{HttpResponse, web};
use uuid::Uuid;

use super::models::{CreateOrganisation, Organisation, OrganisationFilter, UpdateOrganisation, check};
use super::repo;
use crate::AppState;
use crate::auth::principal::ADMIN;
use crate::auth::{Principal, Role};
use crate::db::{in_transaction, run_blocking};
use crate::http::{ApiError, IfMatch, Json, Page, PageRequest, Problems, Query, created, with_etag};

pub async fn list(
    state: web::Data<AppState>,
    who: Principal,
    Query(filter): Query<OrganisationFilter>,
) -> Result<HttpResponse, ApiError> {
    let page = PageRequest::new(filter.limit, filter.cursor)?;
    let body = run_blocking(&state.pool, move |conn| {
        who.actor_in(conn, &[Role::Admin, Role::HubStaff])?;
        let rows = repo::list(conn, &filter, &page)?;
        Ok(Page::from_rows(rows, &page, |o| o.id, Organisation::from))
    })
    .await?;
    Ok(HttpResponse::Ok().json(body))
}

pub async fn create(
    state: web::Data<AppState>,
    who: Principal,
    Json(input): Json<CreateOrganisation>,
) -> Result<HttpResponse, ApiError> {
    let mut problems = Problems::new();
    check(
        &mut problems,
        Some(&input.name),
        Some(&input.roles),
        input.contact_email.as_deref(),
        [
            ("contact_name", input.contact_name.as_deref(), 200),
            ("contact_phone", input.contact_phone.as_deref(), 40),
            ("address", input.address.as_deref(), 500),
            ("notes", input.notes.as_deref(), 2000),
        ],
    );
    problems.finish()?;
    let org = run_blocking(&state.pool, move |conn| {
        who.actor_in(conn, ADMIN)?;
        Ok(Organisation::from(repo::insert(conn, &input)?))
    })
    .await?;
    Ok(created(format!("/api/v1/organisations/{}", org.id), org.version, &org))
}

/// Admins and hub staff read any organisation; a partner reads only its own (others are 404).
pub async fn get(state: web::Data<AppState>, who: Principal, id: web::Path<Uuid>) -> Result<HttpResponse, ApiError> {
    let id = id.into_inner();
    let org = run_blocking(&state.pool, move |conn| {
        let actor = who.actor_in(conn, &[Role::Admin, Role::HubStaff, Role::Partner])?;
        if actor.role == Role::Partner && actor.organisation_id != Some(id) {
            return Err(ApiError::not_found("organisation"));
        }
        repo::find(conn, id)?.map(Organisation::from).ok_or_else(|| ApiError::not_found("organisation"))
    })
    .await?;
    Ok(with_etag(HttpResponse::Ok(), org.version, &org))
}

pub async fn update(
    state: web::Data<AppState>,
    who: Principal,
    id: web::Path<Uuid>,
    if_match: IfMatch,
    Json(patch): Json<UpdateOrganisation>,
) -> Result<HttpResponse, ApiError> {
    let mut problems = Problems::new();
    let inner = |v: &Option<Option<String>>| v.as_ref().and_then(|v| v.as_deref()).map(str::to_owned);
    check(
        &mut problems,
        patch.name.as_deref(),
        patch.roles.as_deref(),
        inner(&patch.contact_email).as_deref(),
        [
            ("contact_name", inner(&patch.contact_name).as_deref(), 200),
            ("contact_phone", inner(&patch.contact_phone).as_deref(), 40),
            ("address", inner(&patch.address).as_deref(), 500),
            ("notes", inner(&patch.notes).as_deref(), 2000),
        ],
    );
    problems.finish()?;
    let id = id.into_inner();
    let org = run_blocking(&state.pool, move |conn| {
        who.actor_in(conn, ADMIN)?;
        in_transaction(conn, |conn| {
            let current = repo::find(conn, id)?.ok_or_else(|| ApiError::not_found("organisation"))?;
            let version = if_match.required_version(current.version)?;
            repo::update(conn, id, version, patch)?.map(Organisation::from).ok_or_else(ApiError::precondition_failed)
        })
    })
    .await?;
    Ok(with_etag(HttpResponse::Ok(), org.version, &org))
}
