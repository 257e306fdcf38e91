//! Residents: the people who receive devices and SIMs. Minimum personal data, an eligibility
//! category (never the evidence), and the UK GDPR rights — export, erasure, retention. Resident
//! fields are never written to logs: handlers log ids only, and request logs carry the path
//! without its query string.

mod handlers;
pub mod models;
pub mod privacy;
pub mod repo;
pub mod rules;

use crate::http::RouteTable;

pub fn routes(table: &mut RouteTable) {
    table
        .get("/api/v1/residents", handlers::search)
        .post("/api/v1/residents", handlers::create)
        .get("/api/v1/residents/{id}", handlers::get)
        .patch("/api/v1/residents/{id}", handlers::update)
        .get("/api/v1/residents/{id}/export", handlers::export)
        .post("/api/v1/residents/{id}/erase", handlers::erase);
}
