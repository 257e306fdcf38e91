//! HTTP handlers for `/api/v1/organisations` and a donor's impact statement. Naming an
//! organisation for a part it does not play is answered here for every slice.

use actix_web::{HttpResponse, web};

use super::models::{CreateOrganisation, DonorImpact, Organisation, OrganisationFilter, UpdateOrganisation};
use super::repo;
use super::rules::{WrongPart, check, count_outcomes};
use crate::auth::{ADMIN, DEVICE_READERS, Principal, REPORT_READERS, Role, STAFF};
use crate::devices::rules::outcome;
use crate::http::{
    ApiError, AppState, FieldError, IfMatch, Json, Page, PageRequest, Problems, Query, created, in_transaction,
    run_blocking, with_etag,
};
use crate::ids::OrganisationId;

impl From<WrongPart> for ApiError {
    fn from(WrongPart { field, part }: WrongPart) -> Self {
        ApiError::conflict(format!("{field}: this organisation is not recorded as {}", part.described()))
            .with_errors(vec![FieldError::new(field, format!("is not recorded as {}", part.described()))])
    }
}

pub async fn list(
    state: web::Data<AppState>,
    who: Principal,
    Query(filter): Query<OrganisationFilter>,
) -> Result<HttpResponse, ApiError> {
    let page = PageRequest::new(filter.limit, filter.cursor)?;
    let body = run_blocking(&state.pool, move |conn| {
        who.actor_in(conn, STAFF)?;
        let rows = repo::list(conn, &filter, &page)?;
        Ok(Page::from_rows(rows, &page, |o| o.id.uuid(), Organisation::from))
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
pub async fn get(
    state: web::Data<AppState>,
    who: Principal,
    id: web::Path<OrganisationId>,
) -> Result<HttpResponse, ApiError> {
    let id = id.into_inner();
    let org = run_blocking(&state.pool, move |conn| {
        let actor = who.actor_in(conn, DEVICE_READERS)?;
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
    id: web::Path<OrganisationId>,
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

/// A donor's impact statement: what its devices became and what their reuse saved. Aggregates only.
pub async fn impact(
    state: web::Data<AppState>,
    who: Principal,
    id: web::Path<OrganisationId>,
) -> Result<HttpResponse, ApiError> {
    let id = id.into_inner();
    let statement = run_blocking(&state.pool, move |conn| {
        who.actor_in(conn, REPORT_READERS)?;
        let org = repo::find(conn, id)?.ok_or_else(|| ApiError::not_found("organisation"))?;
        let by_status = repo::donated_by_status(conn, id)?;
        let saved = repo::saved_by_donor(conn, id)?;
        Ok(DonorImpact {
            organisation_id: id,
            name: org.name,
            donations: repo::donation_count(conn, id)?,
            devices_donated: by_status.iter().map(|(_, n)| n).sum(),
            outcomes: count_outcomes(by_status.into_iter().map(|(status, n)| (outcome(status), n))),
            devices_reused: saved.reused,
            devices_recycled: saved.recycled,
            co2e_saved_kg: saved.co2e_g as f64 / 1000.0,
            landfill_saved_kg: saved.landfill_g as f64 / 1000.0,
        })
    })
    .await?;
    Ok(HttpResponse::Ok().json(statement))
}
