//! Refurbishment by partner charities: jobs assigning devices to a refurbisher, the partner's
//! progress on them (start, data-wipe records, results, beyond economic repair), and the wipe gate
//! that keeps any device with storage from becoming ready without a verified wipe.

pub mod assign;
pub mod handlers;
pub mod jobs;
pub mod models;
pub mod repo;
pub mod rules;
pub mod work;

use crate::http::RouteTable;

pub fn routes(table: &mut RouteTable) {
    table
        .get("/api/v1/refurbishment-jobs", handlers::list)
        .post("/api/v1/refurbishment-jobs", assign::assign)
        .get("/api/v1/refurbishment-jobs/{id}", handlers::get)
        .post("/api/v1/refurbishment-jobs/{id}/start", work::start)
        .post("/api/v1/refurbishment-jobs/{id}/wipes", work::record_wipe)
        .post("/api/v1/refurbishment-jobs/{id}/complete", work::complete)
        .post("/api/v1/refurbishment-jobs/{id}/beyond-repair", work::beyond_repair)
        .post("/api/v1/refurbishment-jobs/{id}/cancel", work::cancel);
}
