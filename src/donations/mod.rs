//! Donations: a batch of devices from a donor organisation, received at a hub on a date. Hub staff
//! record donations at their own hubs; admins anywhere. The devices of a donation are imported with
//! `POST /api/v1/donations/{id}/devices` (in `crate::devices::import`), and its sanitisation report
//! is built from them.

mod handlers;
pub mod models;
pub mod repo;
pub mod report;

use crate::http::RouteTable;

pub fn routes(table: &mut RouteTable) {
    table
        .get("/api/v1/donations", handlers::list)
        .post("/api/v1/donations", handlers::create)
        .get("/api/v1/donations/{id}", handlers::get)
        .patch("/api/v1/donations/{id}", handlers::update)
        .get("/api/v1/donations/{id}/report", report::report);
}
