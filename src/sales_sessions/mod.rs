//! Pop-up sales sessions: a shop on a date at a venue hub, the devices set aside for it, its
//! summary (sold, takings, subsidy, unsold), and closing it, which releases unsold devices. A
//! device is set aside for one session at a time, and leaves it as soon as it stops being ready
//! at the hub (the application's hand-over sees to that).

mod handlers;
pub mod models;
pub mod repo;
pub mod rules;

use crate::http::RouteTable;

pub fn routes(table: &mut RouteTable) {
    table
        .get("/api/v1/sales-sessions", handlers::list)
        .post("/api/v1/sales-sessions", handlers::create)
        .get("/api/v1/sales-sessions/{id}", handlers::get)
        .post("/api/v1/sales-sessions/{id}/devices", handlers::add_devices)
        .post("/api/v1/sales-sessions/{id}/close", handlers::close);
}
