//! Device loans from library hubs: rules per hub and category, check-out, return at any hub,
//! renewals, overdue lists, writing off lost loans, and holds with a waiting list. Dates are kept
//! as UTC instants and due dates as days in the scheme's time zone (Europe/London).

pub mod handlers;
pub mod holds;
pub mod lending;
pub mod models;
pub mod repo;
pub mod rules;

use crate::http::RouteTable;

pub fn routes(table: &mut RouteTable) {
    table
        .get("/api/v1/loan-rules", handlers::list_rules)
        .post("/api/v1/loan-rules", handlers::create_rule)
        .get("/api/v1/loan-rules/{id}", handlers::get_rule)
        .patch("/api/v1/loan-rules/{id}", handlers::update_rule)
        .get("/api/v1/loans", handlers::list)
        .post("/api/v1/loans", lending::checkout)
        .get("/api/v1/loans/{id}", handlers::get)
        .post("/api/v1/loans/{id}/return", lending::return_loan)
        .post("/api/v1/loans/{id}/renew", lending::renew)
        .post("/api/v1/loans/{id}/mark-lost", lending::mark_lost)
        .get("/api/v1/holds", holds::list)
        .post("/api/v1/holds", holds::create)
        .get("/api/v1/holds/{id}", holds::get)
        .post("/api/v1/holds/{id}/cancel", holds::cancel);
}
