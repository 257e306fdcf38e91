//! Reading sales: lists for staff (their hubs) and admins, and single sales.

use actix_web::{HttpResponse, web};

use crate::auth::{Principal, STAFF};
use crate::http::{ApiError, AppState, Page, PageRequest, Query, run_blocking, with_etag};
use crate::ids::SaleId;
use crate::sales::models::{Sale, SaleFilter};
use crate::sales::repo;
use crate::sales::rules::Refusal;

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
        Ok(Page::from_rows(rows, &page, |s| s.id.uuid(), Sale::from))
    })
    .await?;
    Ok(HttpResponse::Ok().json(body))
}

/// What went with a sale, for whoever may read the sale.
pub async fn accessories(
    state: web::Data<AppState>,
    who: Principal,
    id: web::Path<SaleId>,
) -> Result<HttpResponse, ApiError> {
    let id = id.into_inner();
    let items = run_blocking(&state.pool, move |conn| {
        let actor = who.actor_in(conn, STAFF)?;
        repo::find(conn, id)?.filter(|s| actor.works_at(s.hub_id)).ok_or(Refusal::NotFound)?;
        Ok(crate::accessories::repo::of(conn, crate::ids::HandOver::Sale(id))?)
    })
    .await?;
    Ok(HttpResponse::Ok().json(crate::accessories::models::IssuedList { items }))
}

/// The sale's agreement, printed: the terms the resident accepted, who, how, and the device.
pub async fn agreement(
    state: web::Data<AppState>,
    who: Principal,
    id: web::Path<SaleId>,
) -> Result<HttpResponse, ApiError> {
    let id = id.into_inner();
    let html = run_blocking(&state.pool, move |conn| {
        let actor = who.actor_in(conn, STAFF)?;
        let sale = repo::find(conn, id)?.filter(|s| actor.works_at(s.hub_id)).ok_or(Refusal::NotFound)?;
        let parts = (sale.resident_id, sale.device_id, sale.hub_id);
        crate::agreements::handlers::printed(conn, crate::ids::HandOver::Sale(id), parts)
    })
    .await?;
    Ok(crate::http::private_page(html))
}

pub async fn get(state: web::Data<AppState>, who: Principal, id: web::Path<SaleId>) -> Result<HttpResponse, ApiError> {
    let id = id.into_inner();
    let sale = run_blocking(&state.pool, move |conn| {
        let actor = who.actor_in(conn, STAFF)?;
        Ok(repo::find(conn, id)?.filter(|s| actor.works_at(s.hub_id)).map(Sale::from).ok_or(Refusal::NotFound)?)
    })
    .await?;
    Ok(with_etag(HttpResponse::Ok(), sale.version, &sale))
}
