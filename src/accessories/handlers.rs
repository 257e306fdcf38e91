//! `/api/v1/accessory-kinds` and `/api/v1/accessories/outstanding`; `issue` and `take_back` are
//! the steps a loan or a sale runs inside its own transaction.

use std::collections::HashSet;

use actix_web::{HttpResponse, web};
use chrono::{DateTime, Utc};
use diesel::pg::PgConnection;

use super::models::{Items, Kinds, NewKind, Outstanding, OutstandingFilter, UpdateKind};
use super::repo;
use super::rules;
use crate::auth::{ADMIN, Principal, STAFF};
use crate::http::{
    ApiError, AppState, FieldError, IfMatch, Json, Problems, Query, created, in_transaction, run_blocking, with_etag,
};
use crate::ids::HandOver as Hand;
use crate::ids::{AccessoryKindId, LoanId};

/// Records what went with a loan or a sale: each kind one of the scheme's active kinds.
pub fn issue(conn: &mut PgConnection, hand: Hand, items: &[Items]) -> Result<(), ApiError> {
    if items.is_empty() {
        return Ok(());
    }
    rules::check_items("accessories", items, false).map_err(ApiError::validation)?;
    let ids: Vec<AccessoryKindId> = items.iter().map(|i| i.kind_id).collect();
    let active: HashSet<AccessoryKindId> = repo::active_among(conn, &ids)?.into_iter().collect();
    let unknown: Vec<FieldError> = ids
        .iter()
        .enumerate()
        .filter(|(_, id)| !active.contains(id))
        .map(|(i, _)| {
            FieldError::new(format!("accessories[{i}].kind_id"), "is not one of the scheme's accessory kinds in use")
        })
        .collect();
    if !unknown.is_empty() {
        return Err(ApiError::validation(unknown));
    }
    Ok(repo::issue(conn, hand, items)?)
}

/// Records what came back with a loan: what the return lists, or everything if it lists nothing.
pub fn take_back(
    conn: &mut PgConnection,
    loan: LoanId,
    given_back: Option<&[Items]>,
    at: DateTime<Utc>,
) -> Result<(), ApiError> {
    if let Some(items) = given_back {
        rules::check_items("accessories_returned", items, true).map_err(ApiError::validation)?;
    }
    let issued = repo::issued_with_loan(conn, loan)?;
    if let Some(items) = given_back {
        let strays = rules::not_issued(&issued, items);
        if !strays.is_empty() {
            let errors = strays
                .into_iter()
                .map(|i| FieldError::new(format!("accessories_returned[{i}].kind_id"), "did not go out with this loan"))
                .collect();
            return Err(ApiError::validation(errors));
        }
    }
    Ok(repo::mark_returned(conn, loan, &rules::returned(&issued, given_back), at)?)
}

pub async fn list_kinds(state: web::Data<AppState>, who: Principal) -> Result<HttpResponse, ApiError> {
    let items = run_blocking(&state.pool, move |conn| {
        who.actor_in(conn, STAFF)?;
        Ok(repo::kinds(conn)?)
    })
    .await?;
    Ok(HttpResponse::Ok().json(Kinds { items }))
}

pub async fn create_kind(
    state: web::Data<AppState>,
    who: Principal,
    Json(input): Json<NewKind>,
) -> Result<HttpResponse, ApiError> {
    let mut problems = Problems::new();
    rules::check_name(&mut problems, &input.name);
    problems.finish()?;
    let kind = run_blocking(&state.pool, move |conn| {
        who.actor_in(conn, ADMIN)?;
        Ok(repo::insert_kind(conn, input.name.trim())?)
    })
    .await?;
    Ok(created(format!("/api/v1/accessory-kinds/{}", kind.id), kind.version, &kind))
}

pub async fn update_kind(
    state: web::Data<AppState>,
    who: Principal,
    id: web::Path<AccessoryKindId>,
    if_match: IfMatch,
    Json(mut patch): Json<UpdateKind>,
) -> Result<HttpResponse, ApiError> {
    let mut problems = Problems::new();
    if let Some(name) = &patch.name {
        rules::check_name(&mut problems, name);
    }
    problems.finish()?;
    patch.name = patch.name.map(|n| n.trim().to_owned());
    let id = id.into_inner();
    let kind = run_blocking(&state.pool, move |conn| {
        who.actor_in(conn, ADMIN)?;
        in_transaction(conn, |conn| {
            let current = repo::find_kind(conn, id)?.ok_or_else(|| ApiError::not_found("accessory kind"))?;
            let version = if_match.required_version(current.version)?;
            repo::update_kind(conn, id, version, &patch)?.ok_or_else(ApiError::precondition_failed)
        })
    })
    .await?;
    Ok(with_etag(HttpResponse::Ok(), kind.version, &kind))
}

/// What residents did not give back with their loans: at the caller's hubs (or the one named,
/// if it is theirs), or anywhere for an admin.
pub async fn outstanding(
    state: web::Data<AppState>,
    who: Principal,
    Query(filter): Query<OutstandingFilter>,
) -> Result<HttpResponse, ApiError> {
    let items = run_blocking(&state.pool, move |conn| {
        let actor = who.actor_in(conn, STAFF)?;
        let hubs: Option<Vec<_>> = match (filter.hub_id, actor.is_admin()) {
            (Some(hub), _) if actor.works_at(hub) => Some(vec![hub]),
            (Some(_), _) => Some(Vec::new()),
            (None, true) => None,
            (None, false) => Some(actor.hub_ids.clone()),
        };
        Ok(repo::outstanding(conn, hubs.as_deref(), filter.resident_id)?)
    })
    .await?;
    Ok(HttpResponse::Ok().json(Outstanding { items }))
}
