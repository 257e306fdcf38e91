//! `/api/v1/donations`: the donation records.

use actix_web::{HttpResponse, web};

use super::visible;
use crate::auth::{Principal, STAFF as WRITERS};
use crate::calendar::Date;
use crate::donations::models::{CreateDonation, Donation, DonationFilter, UpdateDonation};
use crate::donations::repo;
use crate::donations::rules::check;
use crate::http::{
    ApiError, AppState, IfMatch, Json, Page, PageRequest, Problems, Query, created, in_transaction, run_blocking,
    with_etag,
};
use crate::ids::DonationId;
use crate::organisations::models::OrganisationRole;
use crate::organisations::rules::require_part;

fn today() -> chrono::NaiveDate {
    chrono::Utc::now().date_naive()
}

pub async fn list(
    state: web::Data<AppState>,
    who: Principal,
    Query(filter): Query<DonationFilter>,
) -> Result<HttpResponse, ApiError> {
    let page = PageRequest::new(filter.limit, filter.cursor)?;
    let body = run_blocking(&state.pool, move |conn| {
        let actor = who.actor_in(conn, WRITERS)?;
        let hubs = (!actor.is_admin()).then_some(actor.hub_ids.as_slice());
        let rows = repo::list(conn, &filter, hubs, &page)?;
        let ids: Vec<DonationId> = rows.iter().map(|d| d.id).collect();
        let counts = repo::device_counts(conn, &ids)?;
        Ok(Page::from_rows(
            rows,
            &page,
            |d| d.id.uuid(),
            |d| {
                let n = counts.get(&d.id).copied().unwrap_or(0);
                Donation::new(d, n)
            },
        ))
    })
    .await?;
    Ok(HttpResponse::Ok().json(body))
}

pub async fn create(
    state: web::Data<AppState>,
    who: Principal,
    Json(input): Json<CreateDonation>,
) -> Result<HttpResponse, ApiError> {
    let mut problems = Problems::new();
    check(
        &mut problems,
        Some(input.received_on.day()),
        today(),
        input.donor_reference.as_deref(),
        input.declared_device_count,
        input.collection_notes.as_deref(),
    );
    problems.finish()?;
    let donation = run_blocking(&state.pool, move |conn| {
        let actor = who.actor_in(conn, WRITERS)?;
        if !actor.works_at(input.hub_id) {
            // Someone else's hub is as unknown to the caller as a hub that does not exist.
            return Err(ApiError::unknown_reference("hub_id"));
        }
        let donor = crate::organisations::repo::find(conn, input.donor_id)?
            .ok_or_else(|| ApiError::unknown_reference("donor_id"))?;
        require_part(&donor, OrganisationRole::Donor, "donor_id")?;
        Ok(Donation::new(repo::insert(conn, &input, actor.user_id)?, 0))
    })
    .await?;
    Ok(created(format!("/api/v1/donations/{}", donation.row.id), donation.row.version, &donation))
}

pub async fn get(
    state: web::Data<AppState>,
    who: Principal,
    id: web::Path<DonationId>,
) -> Result<HttpResponse, ApiError> {
    let id = id.into_inner();
    let donation = run_blocking(&state.pool, move |conn| {
        let actor = who.actor_in(conn, WRITERS)?;
        let row = visible(conn, &actor, id)?;
        let n = repo::device_counts(conn, &[id])?.get(&id).copied().unwrap_or(0);
        Ok(Donation::new(row, n))
    })
    .await?;
    Ok(with_etag(HttpResponse::Ok(), donation.row.version, &donation))
}

pub async fn update(
    state: web::Data<AppState>,
    who: Principal,
    id: web::Path<DonationId>,
    if_match: IfMatch,
    Json(patch): Json<UpdateDonation>,
) -> Result<HttpResponse, ApiError> {
    let mut problems = Problems::new();
    check(
        &mut problems,
        patch.received_on.map(Date::day),
        today(),
        patch.donor_reference.as_ref().and_then(|r| r.as_deref()),
        patch.declared_device_count.flatten(),
        patch.collection_notes.as_ref().and_then(|n| n.as_deref()),
    );
    problems.finish()?;
    let mut patch = patch;
    patch.donor_reference = patch.donor_reference.map(crate::http::trimmed);
    patch.collection_notes = patch.collection_notes.map(crate::http::trimmed);
    let id = id.into_inner();
    let donation = run_blocking(&state.pool, move |conn| {
        let actor = who.actor_in(conn, WRITERS)?;
        in_transaction(conn, |conn| {
            let current = visible(conn, &actor, id)?;
            let version = if_match.required_version(current.version)?;
            let row = repo::update(conn, id, version, &patch)?.ok_or_else(ApiError::precondition_failed)?;
            let n = repo::device_counts(conn, &[id])?.get(&id).copied().unwrap_or(0);
            Ok(Donation::new(row, n))
        })
    })
    .await?;
    Ok(with_etag(HttpResponse::Ok(), donation.row.version, &donation))
}
