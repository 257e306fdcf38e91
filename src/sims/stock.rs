//! `GET /api/v1/sim-stock`: per batch (so per hub and network), what is in stock, what is
//! allocated, and how many active allocations end within the next 30 days.

use actix_web::{HttpResponse, web};
use diesel::dsl::count_star;
use diesel::prelude::*;
use serde::Serialize;
use uuid::Uuid;

use super::batches::STAFF;
use super::models::{Batch, SimKind, SimStatus, StockFilter};
use crate::AppState;
use crate::auth::Principal;
use crate::db::run_blocking;
use crate::db::schema::{sim_allocations, sim_batches, sims};
use crate::http::{ApiError, Query};

#[derive(Debug, Serialize)]
pub struct StockLine {
    pub batch_id: Uuid,
    pub hub_id: Uuid,
    pub supplier_id: Uuid,
    pub network: String,
    pub kind: SimKind,
    pub data_gb_per_month: i32,
    pub in_stock: i64,
    pub allocated: i64,
    pub retired: i64,
    pub expiring_within_30_days: i64,
}

#[derive(Debug, Serialize)]
pub struct Stock {
    pub items: Vec<StockLine>,
}

pub async fn stock(
    state: web::Data<AppState>,
    who: Principal,
    Query(filter): Query<StockFilter>,
) -> Result<HttpResponse, ApiError> {
    let body = run_blocking(&state.pool, move |conn| {
        let actor = who.actor_in(conn, STAFF)?;
        let mut query = sim_batches::table.select(Batch::as_select()).into_boxed();
        if !actor.is_admin() {
            query = query.filter(sim_batches::hub_id.eq_any(actor.hub_ids.clone()));
        }
        if let Some(h) = filter.hub_id {
            query = query.filter(sim_batches::hub_id.eq(h));
        }
        if let Some(b) = filter.batch_id {
            query = query.filter(sim_batches::id.eq(b));
        }
        if let Some(n) = filter.network.as_deref() {
            query = query.filter(sim_batches::network.ilike(crate::db::like_escape(n.trim())));
        }
        let batches: Vec<Batch> =
            query.order((sim_batches::hub_id, sim_batches::network, sim_batches::id)).load(conn)?;
        let ids: Vec<Uuid> = batches.iter().map(|b| b.id).collect();
        let counts: Vec<(Uuid, SimStatus, i64)> = sims::table
            .filter(sims::batch_id.eq_any(&ids))
            .group_by((sims::batch_id, sims::status))
            .select((sims::batch_id, sims::status, count_star()))
            .load(conn)?;
        let soon = chrono::Utc::now().date_naive() + chrono::Days::new(30);
        let expiring: Vec<(Uuid, i64)> = sim_allocations::table
            .inner_join(sims::table)
            .filter(sims::batch_id.eq_any(&ids))
            .filter(sim_allocations::ended_at.is_null())
            .filter(sim_allocations::expires_on.le(soon))
            .group_by(sims::batch_id)
            .select((sims::batch_id, count_star()))
            .load(conn)?;
        let items = batches
            .into_iter()
            .map(|b| {
                let count =
                    |status| counts.iter().filter(|(id, s, _)| *id == b.id && *s == status).map(|(_, _, n)| *n).sum();
                StockLine {
                    batch_id: b.id,
                    hub_id: b.hub_id,
                    supplier_id: b.supplier_id,
                    network: b.network.clone(),
                    kind: b.kind,
                    data_gb_per_month: b.data_gb_per_month,
                    in_stock: count(SimStatus::InStock),
                    allocated: count(SimStatus::Allocated),
                    retired: count(SimStatus::Retired),
                    expiring_within_30_days: expiring.iter().filter(|(id, _)| *id == b.id).map(|(_, n)| *n).sum(),
                }
            })
            .collect();
        Ok(Stock { items })
    })
    .await?;
    Ok(HttpResponse::Ok().json(body))
}
