//! Connectivity: SIM cards and data vouchers from suppliers (such as the National Databank),
//! stored per batch with their network, monthly allowance and duration; stock imports; allocations
//! to residents with expiry; stock and expiry views for staff.

pub mod handlers;
pub mod models;
pub mod repo;
pub mod rules;

use crate::http::RouteTable;

pub fn routes(table: &mut RouteTable) {
    table
        .get("/api/v1/sim-batches", handlers::batches::list)
        .post("/api/v1/sim-batches", handlers::batches::create)
        .get("/api/v1/sim-batches/{id}", handlers::batches::get)
        .post("/api/v1/sim-batches/{id}/sims", handlers::batches::import)
        .get("/api/v1/sim-allocations", handlers::allocations::list)
        .post("/api/v1/sim-allocations", handlers::allocations::allocate)
        .get("/api/v1/sim-allocations/{id}", handlers::allocations::get)
        .post("/api/v1/sim-allocations/{id}/end", handlers::allocations::end)
        .get("/api/v1/sim-stock", handlers::stock::stock);
}
