//! Devices: each donated laptop, tablet, phone or other item, from receipt to reuse or recycling —
//! the lifecycle state machine, descriptive fields, custody between hubs, the append-only history,
//! disposal records and printable labels. Devices arrive through a donation's manifest (served by
//! `crate::donations`). Other slices find devices through `repo::{visible, in_custody,
//! for_hand_over}` and move them through `repo::moves::apply`, which carries each move's effects
//! elsewhere without this slice knowing them.

pub mod handlers;
pub mod models;
pub mod repo;
pub mod rules;

use crate::http::RouteTable;

pub fn routes(table: &mut RouteTable) {
    table
        .get("/api/v1/devices", handlers::read::list)
        .get("/api/v1/devices/by-tag/{tag}", handlers::read::by_tag)
        .get("/api/v1/devices/{id}", handlers::read::get)
        .patch("/api/v1/devices/{id}", handlers::read::update)
        .get("/api/v1/devices/{id}/history", handlers::read::history)
        .get("/api/v1/devices/{id}/label.svg", handlers::label::label)
        .post("/api/v1/devices/{id}/transfer", handlers::custody::transfer)
        .post("/api/v1/devices/{id}/receive", handlers::custody::receive)
        .post("/api/v1/devices/{id}/mark-lost", handlers::custody::mark_lost)
        .post("/api/v1/devices/{id}/recycle", handlers::recycle::recycle);
}
