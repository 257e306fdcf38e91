//! `GET /api/v1/sim-stock`: per batch (so per hub and network), what is in stock, what is
//! allocated, and how many active allocations end within the next 30 days.

use actix_web::{HttpResponse, web};

use crate::auth::{Principal, STAFF};
use crate::http::{ApiError, AppState, Query, run_blocking};
use crate::ids::BatchId;
use crate::sims::models::{Stock, StockFilter};
use crate::sims::repo;
use crate::sims::rules::stock_line;

pub async fn stock(
    state: web::Data<AppState>,
    who: Principal,
    Query(filter): Query<StockFilter>,
) -> Result<HttpResponse, ApiError> {
    let body = run_blocking(&state.pool, move |conn| {
        let actor = who.actor_in(conn, STAFF)?;
        let hubs = (!actor.is_admin()).then_some(actor.hub_ids.as_slice());
        let batches = repo::stock_batches(conn, &filter, hubs)?;
        let ids: Vec<BatchId> = batches.iter().map(|b| b.id).collect();
        let counts = repo::counts_by_status(conn, &ids)?;
        let soon = chrono::Utc::now().date_naive() + chrono::Days::new(30);
        let ending = repo::ending_by(conn, &ids, soon)?;
        Ok(Stock { items: batches.into_iter().map(|b| stock_line(b, &counts, &ending)).collect() })
    })
    .await?;
    Ok(HttpResponse::Ok().json(body))
}
