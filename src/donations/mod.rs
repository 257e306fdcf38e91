//! Donations: a batch of devices from a donor organisation, received at a hub on a date, with its
//! manifest of devices (imported as a JSON array or the donor's own CSV spreadsheet) and the
//! donor's sanitisation report. Hub staff record donations at their own hubs; admins anywhere.

mod handlers;
pub mod models;
pub mod repo;
pub mod rules;

use crate::http::RouteTable;

pub fn routes(table: &mut RouteTable) {
    table
        .get("/api/v1/donations", handlers::records::list)
        .post("/api/v1/donations", handlers::records::create)
        .get("/api/v1/donations/{id}", handlers::records::get)
        .patch("/api/v1/donations/{id}", handlers::records::update)
        .post("/api/v1/donations/{id}/devices", handlers::manifest::import)
        .get("/api/v1/donations/{id}/report", handlers::report::report);
}
