//! Subsidised sales at hubs and pop-up shops: sessions with devices set aside, the sale itself
//! (household rule, receipt numbers per year, subsidy), refunds, and printable receipts.

mod handlers;
pub mod models;
pub mod receipt;
pub mod repo;
pub mod rules;
pub mod sell;
pub mod sessions;

use crate::http::RouteTable;

pub fn routes(table: &mut RouteTable) {
    table
        .get("/api/v1/sales-sessions", sessions::list)
        .post("/api/v1/sales-sessions", sessions::create)
        .get("/api/v1/sales-sessions/{id}", sessions::get)
        .post("/api/v1/sales-sessions/{id}/devices", sessions::add_devices)
        .post("/api/v1/sales-sessions/{id}/close", sessions::close)
        .get("/api/v1/sales", handlers::list)
        .post("/api/v1/sales", sell::sell)
        .get("/api/v1/sales/{id}", handlers::get)
        .post("/api/v1/sales/{id}/refund", sell::refund)
        .get("/api/v1/sales/{id}/receipt", receipt::receipt);
}
