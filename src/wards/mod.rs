//! Wards: the borough's electoral wards with their Digital Exclusion Risk Index score, so reports
//! can show whether devices reach the areas most at risk. Admins write; every role reads.

mod handlers;
pub mod models;
pub mod repo;
pub mod rules;

use crate::http::RouteTable;

pub fn routes(table: &mut RouteTable) {
    table
        .get("/api/v1/wards", handlers::list)
        .post("/api/v1/wards", handlers::create)
        .get("/api/v1/wards/{id}", handlers::get)
        .patch("/api/v1/wards/{id}", handlers::update);
}
