//! Refurbishment by partner charities: jobs assigning devices to a refurbisher, the partner's
//! progress on them (start, data-wipe records, results, beyond economic repair), cancellation by
//! the assigning side, the changes feed partners poll, and the wipe gate that keeps any device
//! with storage from becoming ready without a verified wipe.

pub mod handlers;
pub mod models;
pub mod repo;
pub mod rules;

use crate::http::RouteTable;

pub fn routes(table: &mut RouteTable) {
    table
        .get("/api/v1/refurbishment-jobs", handlers::read::list)
        .post("/api/v1/refurbishment-jobs", handlers::assign::assign)
        .get("/api/v1/refurbishment-jobs/{id}", handlers::read::get)
        .post("/api/v1/refurbishment-jobs/{id}/start", handlers::work::start)
        .post("/api/v1/refurbishment-jobs/{id}/wipes", handlers::work::record_wipe)
        .post("/api/v1/refurbishment-jobs/{id}/complete", handlers::work::complete)
        .post("/api/v1/refurbishment-jobs/{id}/beyond-repair", handlers::work::beyond_repair)
        .post("/api/v1/refurbishment-jobs/{id}/cancel", handlers::work::cancel);
}
