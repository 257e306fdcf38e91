//! HTTP handlers of the impact slice: the factor sets (every signed-in role reads them: they are
//! published reference figures; admins add them, choose the default and remove unused ones) and a
//! device's own ledger entry. A new set gives figures for every device category, so any device
//! can be counted under it; once a device has been counted under a set the database freezes it.

use actix_web::http::header;
use actix_web::{HttpResponse, web};
use diesel::pg::PgConnection;

use super::models::{DeviceImpact, FactorSet, NewFactorSet};
use super::repo;
use super::rules::{self, Refusal, kg};
use crate::auth::{ADMIN, ANY_ROLE, DEVICE_READERS, Principal};
use crate::http::{ApiError, AppState, Json, Page, in_transaction, run_blocking};
use crate::ids::{DeviceId, FactorSetId};

impl From<Refusal> for ApiError {
    fn from(refusal: Refusal) -> Self {
        match refusal {
            Refusal::NotFound => ApiError::not_found("factor set"),
            Refusal::IsDefault => ApiError::conflict("this is the default factor set; choose another default first"),
            Refusal::InUse => {
                ApiError::conflict("devices have been counted under this factor set; it is kept for good")
            }
        }
    }
}

fn one(conn: &mut PgConnection, id: FactorSetId) -> Result<FactorSet, ApiError> {
    Ok(repo::load(conn, Some(id))?.pop().ok_or(Refusal::NotFound)?)
}

pub async fn list_sets(state: web::Data<AppState>, who: Principal) -> Result<HttpResponse, ApiError> {
    let items = run_blocking(&state.pool, move |conn| {
        who.actor_in(conn, ANY_ROLE)?;
        Ok(repo::load(conn, None)?)
    })
    .await?;
    Ok(HttpResponse::Ok().json(Page { items, next_cursor: None }))
}

pub async fn get_set(
    state: web::Data<AppState>,
    who: Principal,
    id: web::Path<FactorSetId>,
) -> Result<HttpResponse, ApiError> {
    let id = id.into_inner();
    let set = run_blocking(&state.pool, move |conn| {
        who.actor_in(conn, ANY_ROLE)?;
        one(conn, id)
    })
    .await?;
    Ok(HttpResponse::Ok().json(set))
}

/// `POST /api/v1/impact/factor-sets`.
pub async fn create(
    state: web::Data<AppState>,
    who: Principal,
    Json(input): Json<NewFactorSet>,
) -> Result<HttpResponse, ApiError> {
    let set = run_blocking(&state.pool, move |conn| {
        who.actor_in(conn, ADMIN)?;
        let checked = rules::check(&input).map_err(ApiError::validation)?;
        in_transaction(conn, |conn| {
            let id = repo::insert(conn, &input, &checked)?;
            if input.make_default && !repo::make_default(conn, id)? {
                return Err(Refusal::NotFound.into());
            }
            one(conn, id)
        })
    })
    .await?;
    Ok(HttpResponse::Created()
        .insert_header((header::LOCATION, format!("/api/v1/impact/factor-sets/{}", set.id)))
        .json(set))
}

/// `POST /api/v1/impact/factor-sets/{id}/default`: devices counted from now on use this set;
/// devices already counted keep theirs.
pub async fn choose_default(
    state: web::Data<AppState>,
    who: Principal,
    id: web::Path<FactorSetId>,
) -> Result<HttpResponse, ApiError> {
    let id = id.into_inner();
    let set = run_blocking(&state.pool, move |conn| {
        who.actor_in(conn, ADMIN)?;
        in_transaction(conn, |conn| {
            if !repo::make_default(conn, id)? {
                return Err(Refusal::NotFound.into());
            }
            one(conn, id)
        })
    })
    .await?;
    Ok(HttpResponse::Ok().json(set))
}

/// `DELETE /api/v1/impact/factor-sets/{id}`: only a set no device was counted under, and not the
/// default.
pub async fn remove(
    state: web::Data<AppState>,
    who: Principal,
    id: web::Path<FactorSetId>,
) -> Result<HttpResponse, ApiError> {
    let id = id.into_inner();
    run_blocking(&state.pool, move |conn| {
        who.actor_in(conn, ADMIN)?;
        in_transaction(conn, |conn| {
            let set = one(conn, id)?;
            rules::may_remove(set.is_default, set.in_use)?;
            Ok(repo::delete(conn, id)?)
        })
    })
    .await?;
    Ok(HttpResponse::NoContent().finish())
}

/// `GET /api/v1/devices/{id}/impact`: what the device saved, under which factor set, and when it
/// was counted.
pub async fn device_impact(
    state: web::Data<AppState>,
    who: Principal,
    id: web::Path<DeviceId>,
) -> Result<HttpResponse, ApiError> {
    let id = id.into_inner();
    let impact = run_blocking(&state.pool, move |conn| {
        let actor = who.actor_in(conn, DEVICE_READERS)?;
        crate::devices::repo::visible(conn, &actor, id)?;
        Ok(match repo::entry_of(conn, id)? {
            Some((kind, set, category, co2e, landfill, source, at)) => DeviceImpact {
                device_id: id,
                counted: true,
                kind: Some(kind),
                factor_set_id: Some(set),
                category: Some(category),
                co2e_saved_kg: kg(co2e),
                landfill_saved_kg: kg(landfill),
                weight_source: Some(source),
                counted_at: Some(at),
            },
            None => DeviceImpact {
                device_id: id,
                counted: false,
                kind: None,
                factor_set_id: None,
                category: None,
                co2e_saved_kg: 0.0,
                landfill_saved_kg: 0.0,
                weight_source: None,
                counted_at: None,
            },
        })
    })
    .await?;
    Ok(HttpResponse::Ok().json(impact))
}
