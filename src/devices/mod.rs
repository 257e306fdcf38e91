//! Devices: each donated laptop, tablet, phone or other item, from receipt to reuse or recycling.
//! Owns the lifecycle state machine (`lifecycle`), custody moves (`moves`, `custody`), the
//! append-only history (`history`), bulk import of a donation's manifest (`import`, served under
//! `/api/v1/donations/{id}/devices`), and printable labels (`label`).

pub mod custody;
pub mod handlers;
pub mod history;
pub mod import;
pub mod label;
pub mod lifecycle;
pub mod models;
pub mod moves;
pub mod recycle;
pub mod repo;
pub mod rules;
pub mod scope;

use crate::http::RouteTable;

pub fn routes(table: &mut RouteTable) {
    table
        .get("/api/v1/devices", handlers::list)
        .get("/api/v1/devices/by-tag/{tag}", handlers::by_tag)
        .get("/api/v1/devices/{id}", handlers::get)
        .patch("/api/v1/devices/{id}", handlers::update)
        .get("/api/v1/devices/{id}/history", handlers::history)
        .get("/api/v1/devices/{id}/label.svg", label::label)
        .post("/api/v1/devices/{id}/transfer", custody::transfer)
        .post("/api/v1/devices/{id}/receive", custody::receive)
        .post("/api/v1/devices/{id}/mark-lost", custody::mark_lost)
        .post("/api/v1/devices/{id}/recycle", recycle::recycle)
        .post("/api/v1/donations/{id}/devices", import::import);
}
