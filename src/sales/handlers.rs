//! Reading sales: lists for staff (their hubs) and admins, and single sales.

use actix_web::{HttpResponse, web};
use uuid::Uuid;

use super::models::{Sale, SaleFilter};
use super::repo;
use crate::AppState;
use crate::auth::{Principal, Role};
use crate::db::run_blocking;
use crate::http::{ApiError, Page, PageRequest, Query, with_etag};

const STAFF: &[Role] = &[Role::Admin, Role::HubStaff];

pub async fn list(
    state: web::Data<AppState>,
    who: Principal,
    Query(filter): Query<SaleFilter>,
) -> Result<HttpResponse, ApiError> {
    let page = PageRequest::new(filter.limit, filter.cursor)?;
    let body = run_blocking(&state.pool, move |conn| {
        let actor = who.actor_in(conn, STAFF)?;
        let hubs = (!actor.is_admin()).then_some(actor.hub_ids.as_slice());
        let rows = repo::list(conn, &filter, hubs, &page)?;
        Ok(Page::from_rows(rows, &page, |s| s.id, Sale::from))
    })
    .await?;
    Ok(HttpResponse::Ok().json(body))
}

pub async fn get(state: web::Data<AppState>, who: Principal, id: web::Path<Uuid>) -> Result<HttpResponse, ApiError> {
    let id = id.into_inner();
    let sale = run_blocking(&state.pool, move |conn| {
        let actor = who.actor_in(conn, STAFF)?;
        repo::find(conn, id)?
            .filter(|s| actor.works_at(s.hub_id))
            .map(Sale::from)
            .ok_or_else(|| ApiError::not_found("sale"))
    })
    .await?;
    Ok(with_etag(HttpResponse::Ok(), sale.version, &sale))
}
