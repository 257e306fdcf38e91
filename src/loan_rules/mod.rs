//! Loan rules: per hub, per category, both, or the scheme's default, how devices are lent — loan
//! and renewal length, renewals allowed, loans per resident, hold days and when an overdue loan
//! may be written off. Admins set them; staff read them; loans and holds look up the closest rule.

mod handlers;
pub mod models;
pub mod repo;
pub mod rules;

use crate::http::RouteTable;

pub fn routes(table: &mut RouteTable) {
    table
        .get("/api/v1/loan-rules", handlers::list)
        .post("/api/v1/loan-rules", handlers::create)
        .get("/api/v1/loan-rules/{id}", handlers::get)
        .patch("/api/v1/loan-rules/{id}", handlers::update);
}
