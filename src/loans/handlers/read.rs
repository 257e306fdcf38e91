//! Lists of loans for staff (active, due soon, overdue by days overdue, returned, lost) and single
//! loans.

use actix_web::{HttpResponse, web};

use crate::auth::{Principal, STAFF};
use crate::http::{ApiError, AppState, Page, PageRequest, Query, run_blocking, with_etag};
use crate::ids::LoanId;
use crate::loans::models::{Loan, LoanFilter, LoanState};
use crate::loans::repo;
use crate::loans::rules::Refusal;

/// Overdue lists come most overdue first; everything else in id (creation) order.
pub async fn list(
    state: web::Data<AppState>,
    who: Principal,
    Query(filter): Query<LoanFilter>,
) -> Result<HttpResponse, ApiError> {
    let page = PageRequest::new(filter.limit, filter.cursor)?;
    if filter.due_within_days.is_some_and(|d| !(0..=365).contains(&d)) {
        let detail = "due_within_days must be from 0 to 365";
        return Err(ApiError::invalid_query(detail, "due_within_days", "must be from 0 to 365"));
    }
    let body = run_blocking(&state.pool, move |conn| {
        let actor = who.actor_in(conn, STAFF)?;
        let now = chrono::Utc::now();
        let hubs = (!actor.is_admin()).then_some(actor.hub_ids.as_slice());
        let rows = repo::list(conn, &filter, hubs, crate::calendar::local_date(now), &page)?;
        let mut page = Page::from_rows(rows, &page, |l| l.id.uuid(), |l| Loan::new(l, now));
        if filter.state == Some(LoanState::Overdue) {
            page.items.sort_by_key(|l| std::cmp::Reverse(l.days_overdue));
        }
        Ok(page)
    })
    .await?;
    Ok(HttpResponse::Ok().json(body))
}

/// What went with a loan and what came back, for whoever may read the loan.
pub async fn accessories(
    state: web::Data<AppState>,
    who: Principal,
    id: web::Path<LoanId>,
) -> Result<HttpResponse, ApiError> {
    let id = id.into_inner();
    let items = run_blocking(&state.pool, move |conn| {
        let actor = who.actor_in(conn, STAFF)?;
        repo::find(conn, id)?
            .filter(|l| actor.works_at(l.hub_id) || l.returned_to_hub_id.is_some_and(|h| actor.works_at(h)))
            .ok_or(Refusal::NotFound)?;
        Ok(crate::accessories::repo::of(conn, crate::ids::HandOver::Loan(id))?)
    })
    .await?;
    Ok(HttpResponse::Ok().json(crate::accessories::models::IssuedList { items }))
}

/// The loan's agreement, printed: the terms the resident accepted, who, how, and the device.
pub async fn agreement(
    state: web::Data<AppState>,
    who: Principal,
    id: web::Path<LoanId>,
) -> Result<HttpResponse, ApiError> {
    let id = id.into_inner();
    let html = run_blocking(&state.pool, move |conn| {
        let actor = who.actor_in(conn, STAFF)?;
        let loan = repo::find(conn, id)?
            .filter(|l| actor.works_at(l.hub_id) || l.returned_to_hub_id.is_some_and(|h| actor.works_at(h)))
            .ok_or(Refusal::NotFound)?;
        let parts = (loan.resident_id, loan.device_id, loan.hub_id);
        crate::agreements::handlers::printed(conn, crate::ids::HandOver::Loan(id), parts)
    })
    .await?;
    Ok(crate::http::private_page(html))
}

/// Staff of the lending hub and of the hub it was returned to may read a loan.
pub async fn get(state: web::Data<AppState>, who: Principal, id: web::Path<LoanId>) -> Result<HttpResponse, ApiError> {
    let id = id.into_inner();
    let loan = run_blocking(&state.pool, move |conn| {
        let actor = who.actor_in(conn, STAFF)?;
        Ok(repo::find(conn, id)?
            .filter(|l| actor.works_at(l.hub_id) || l.returned_to_hub_id.is_some_and(|h| actor.works_at(h)))
            .map(|l| Loan::new(l, chrono::Utc::now()))
            .ok_or(Refusal::NotFound)?)
    })
    .await?;
    Ok(with_etag(HttpResponse::Ok(), loan.version, &loan))
}
