//! Accessories: the chargers, bags, mice, headsets and MiFi units issued with a device. Each
//! scheme keeps its list of kinds (admins write); a loan or a sale records what went with the
//! device (`handlers::issue`), a loan's return what came back (`handlers::take_back`), and
//! `GET /api/v1/accessories/outstanding` lists what did not, per resident. A return with items
//! missing still succeeds: schemes rarely charge, and the record is what matters.

pub mod handlers;
pub mod models;
pub mod repo;
pub mod rules;

use crate::http::RouteTable;

pub fn routes(table: &mut RouteTable) {
    table
        .get("/api/v1/accessory-kinds", handlers::list_kinds)
        .post("/api/v1/accessory-kinds", handlers::create_kind)
        .patch("/api/v1/accessory-kinds/{id}", handlers::update_kind)
        .get("/api/v1/accessories/outstanding", handlers::outstanding);
}
