//! Connectivity: SIM cards and data vouchers from suppliers (such as the National Databank),
//! stored per batch with their network, monthly allowance and duration; stock imports; allocations
//! to residents with expiry; stock and expiry views for staff.

pub mod allocations;
pub mod batches;
pub mod models;
pub mod rules;
pub mod stock;

use crate::http::RouteTable;

pub fn routes(table: &mut RouteTable) {
    table
        .get("/api/v1/sim-batches", batches::list)
        .post("/api/v1/sim-batches", batches::create)
        .get("/api/v1/sim-batches/{id}", batches::get)
        .post("/api/v1/sim-batches/{id}/sims", batches::import)
        .get("/api/v1/sim-allocations", allocations::list)
        .post("/api/v1/sim-allocations", allocations::allocate)
        .get("/api/v1/sim-allocations/{id}", allocations::get)
        .post("/api/v1/sim-allocations/{id}/end", allocations::end)
        .get("/api/v1/sim-stock", stock::stock);
}
