//! Hubs: the libraries, community centres, pop-up venues, warehouses and partner sites where
//! devices are kept, lent and sold. Admins write; every role reads. Hubs are deactivated, never
//! deleted, because devices, loans and sales keep referring to them.

mod handlers;
pub mod models;
pub mod repo;
pub mod rules;

use crate::http::RouteTable;

pub fn routes(table: &mut RouteTable) {
    table
        .get("/api/v1/hubs", handlers::list)
        .post("/api/v1/hubs", handlers::create)
        .get("/api/v1/hubs/{id}", handlers::get)
        .patch("/api/v1/hubs/{id}", handlers::update);
}
