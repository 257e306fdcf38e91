//! HTTP handlers for `/api/v1/residents`. Hub staff and admins only: partners and reporters never
//! see a resident. Staff find a resident by reference or by name and postcode together; they cannot
//! page through the borough's residents (admins can).

use actix_web::{HttpResponse, web};

use crate::auth::{Principal, STAFF};
use crate::calendar::Date;
use crate::http::{
    ApiError, AppState, IfMatch, Json, Page, PageRequest, Query, created, in_transaction, run_blocking, with_etag,
};
use crate::ids::ResidentId;
use crate::residents::models::{CreateResident, Resident, ResidentChanges, ResidentSearch, UpdateResident};
use crate::residents::repo;
use crate::residents::rules::{self, Refusal};

pub async fn create(
    state: web::Data<AppState>,
    who: Principal,
    Json(mut input): Json<CreateResident>,
) -> Result<HttpResponse, ApiError> {
    rules::check_create(&mut input).map_err(ApiError::validation)?;
    let resident = run_blocking(&state.pool, move |conn| {
        let actor = who.actor_in(conn, STAFF)?;
        let hub = match input.hub_id {
            Some(h) if actor.works_at(h) => Some(h),
            Some(_) => return Err(ApiError::unknown_reference("hub_id")),
            None => actor.hub_ids.first().copied(),
        };
        Ok(Resident::from(repo::insert(conn, &input, actor.user_id, hub)?))
    })
    .await?;
    Ok(created(format!("/api/v1/residents/{}", resident.id), resident.version, &resident))
}

pub async fn search(
    state: web::Data<AppState>,
    who: Principal,
    Query(search): Query<ResidentSearch>,
) -> Result<HttpResponse, ApiError> {
    let page = PageRequest::new(search.limit, search.cursor)?;
    let body = run_blocking(&state.pool, move |conn| {
        let actor = who.actor_in(conn, STAFF)?;
        let rows = match (&search.reference, &search.name, &search.postcode) {
            (Some(reference), None, None) => repo::by_reference(conn, reference)?,
            (None, Some(name), Some(postcode)) => match crate::contact::normalise_postcode(postcode) {
                Ok(postcode) => repo::by_name_and_postcode(conn, name, &postcode, &page)?,
                Err(_) => Vec::new(),
            },
            (None, None, None) if actor.is_admin() => repo::all(conn, &page)?,
            (None, None, None) => {
                let detail = "hub staff find residents by reference, or by name and postcode; only admins list them";
                return Err(ApiError::forbidden().with_detail(detail));
            }
            _ => {
                let detail = "find a resident by reference, or by name and postcode together";
                return Err(ApiError::invalid_query(detail, "reference", "give reference, or name and postcode"));
            }
        };
        Ok(Page::from_rows(rows, &page, |r| r.id.uuid(), Resident::from))
    })
    .await?;
    Ok(HttpResponse::Ok().json(body))
}

pub async fn get(
    state: web::Data<AppState>,
    who: Principal,
    id: web::Path<ResidentId>,
) -> Result<HttpResponse, ApiError> {
    let id = id.into_inner();
    let resident = run_blocking(&state.pool, move |conn| {
        who.actor_in(conn, STAFF)?;
        Ok(Resident::from(repo::find(conn, id)?.ok_or(Refusal::NotFound)?))
    })
    .await?;
    Ok(with_etag(HttpResponse::Ok(), resident.version, &resident))
}

pub async fn update(
    state: web::Data<AppState>,
    who: Principal,
    id: web::Path<ResidentId>,
    if_match: IfMatch,
    Json(mut patch): Json<UpdateResident>,
) -> Result<HttpResponse, ApiError> {
    rules::check_update(&mut patch).map_err(ApiError::validation)?;
    let id = id.into_inner();
    let resident = run_blocking(&state.pool, move |conn| {
        let actor = who.actor_in(conn, STAFF)?;
        in_transaction(conn, |conn| {
            let current = repo::find(conn, id)?.ok_or(Refusal::NotFound)?;
            rules::may_be_changed(&current)?;
            let version = if_match.required_version(current.version)?;
            let reverified = patch.eligibility.is_some() || patch.eligibility_verified_on.is_some();
            let changes = ResidentChanges {
                name: patch.name,
                phone: patch.phone,
                email: patch.email,
                postcode: patch.postcode,
                address_lines: patch.address_lines,
                ward_id: patch.ward_id,
                eligibility: patch.eligibility,
                eligibility_verified_by: reverified.then_some(Some(actor.user_id)),
                eligibility_verified_on: patch.eligibility_verified_on.map(Date::day),
                contact_consent: patch.contact_consent,
            };
            repo::update(conn, id, version, &changes)?.map(Resident::from).ok_or_else(ApiError::precondition_failed)
        })
    })
    .await?;
    Ok(with_etag(HttpResponse::Ok(), resident.version, &resident))
}
