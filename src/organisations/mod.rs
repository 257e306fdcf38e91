//! Organisations: donors, refurbishment partners, connectivity suppliers and recyclers (one
//! organisation may play several parts), and a donor's impact statement. Admins write; hub staff
//! read; a partner reads its own.

mod handlers;
pub mod models;
pub mod repo;
pub mod rules;

use crate::http::RouteTable;

pub fn routes(table: &mut RouteTable) {
    table
        .get("/api/v1/organisations", handlers::list)
        .post("/api/v1/organisations", handlers::create)
        .get("/api/v1/organisations/{id}", handlers::get)
        .patch("/api/v1/organisations/{id}", handlers::update)
        .get("/api/v1/organisations/{id}/impact", handlers::impact);
}
