//! Device loans from library hubs: check-out, return at any hub, renewals, overdue lists and
//! writing off lost loans. Instants are kept in UTC and due dates as days in the scheme's time
//! zone (Europe/London). The rules lending follows are `crate::loan_rules`; the waiting list is
//! `crate::holds`.

pub mod handlers;
pub mod models;
pub mod repo;
pub mod rules;

use crate::http::RouteTable;

pub fn routes(table: &mut RouteTable) {
    table
        .get("/api/v1/loans", handlers::read::list)
        .post("/api/v1/loans", handlers::lending::checkout)
        .get("/api/v1/loans/{id}", handlers::read::get)
        .get("/api/v1/loans/{id}/accessories", handlers::read::accessories)
        .get("/api/v1/loans/{id}/agreement", handlers::read::agreement)
        .post("/api/v1/loans/{id}/return", handlers::lending::return_loan)
        .post("/api/v1/loans/{id}/renew", handlers::lending::renew)
        .post("/api/v1/loans/{id}/mark-lost", handlers::lending::mark_lost);
}
