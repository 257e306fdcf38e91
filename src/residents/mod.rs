//! Residents: the people who receive devices and SIMs. Minimum personal data, an eligibility
//! category (never the evidence), and the UK GDPR rights — export, erasure, retention. Resident
//! fields are never written to logs: handlers log ids only, and request logs carry the path
//! without its query string. Slices that serve a resident find them through
//! `repo::lock_for_service`, and answer for their own records in an export through
//! `models::PersonalData`.

pub mod handlers;
pub mod models;
pub mod repo;
pub mod rules;

use crate::http::RouteTable;

pub fn routes(table: &mut RouteTable) {
    table
        .get("/api/v1/residents", handlers::records::search)
        .post("/api/v1/residents", handlers::records::create)
        .get("/api/v1/residents/{id}", handlers::records::get)
        .patch("/api/v1/residents/{id}", handlers::records::update)
        .get("/api/v1/residents/{id}/export", handlers::privacy::export)
        .post("/api/v1/residents/{id}/erase", handlers::privacy::erase);
}
