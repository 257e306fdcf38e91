//! Subsidised sales at hubs and pop-up shops: the sale itself (household rule, receipt numbers per
//! year, subsidy), refunds, and printable receipts. Pop-up sessions are `crate::sales_sessions`.

pub mod handlers;
pub mod models;
pub mod repo;
pub mod rules;

use crate::http::RouteTable;

pub fn routes(table: &mut RouteTable) {
    table
        .get("/api/v1/sales", handlers::read::list)
        .post("/api/v1/sales", handlers::sell::sell)
        .get("/api/v1/sales/{id}", handlers::read::get)
        .get("/api/v1/sales/{id}/accessories", handlers::read::accessories)
        .get("/api/v1/sales/{id}/agreement", handlers::read::agreement)
        .post("/api/v1/sales/{id}/refund", handlers::sell::refund)
        .get("/api/v1/sales/{id}/receipt", handlers::receipt::receipt);
}
