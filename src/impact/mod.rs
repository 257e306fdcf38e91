//! Carbon and landfill savings. Factor sets (versioned; frozen by the database once a device has
//! been counted under them) and the per-device ledger: when a device is first put back into use
//! (sold or first lent) its saving is recorded under the default set, in the same transaction as
//! the move; a recycled device that was never reused counts its landfill only. One entry per device
//! for its whole life, so refunds, returns and re-loans never count twice.
//!
//! Method: `co2e_saved = manufacture_co2e(category) × displacement`; `landfill_saved = weight`
//! (the device's own weight when known, else the category average). See docs/impact-methodology.md.

pub mod handlers;
pub mod models;
pub mod repo;
pub mod rules;

use crate::http::RouteTable;
use crate::ids::FactorSetId;

/// The built-in factor set a new scheme's reports start with: the Restart Project's 2021 table.
pub const BUILT_IN_DEFAULT: FactorSetId = FactorSetId(uuid::Uuid::from_u128(0x0000_0000_0000_7000_8000_0000_0000_00a1));

pub fn routes(table: &mut RouteTable) {
    table
        .get("/api/v1/impact/factor-sets", handlers::list_sets)
        .post("/api/v1/impact/factor-sets", handlers::create)
        .get("/api/v1/impact/factor-sets/{id}", handlers::get_set)
        .delete("/api/v1/impact/factor-sets/{id}", handlers::remove)
        .post("/api/v1/impact/factor-sets/{id}/default", handlers::choose_default)
        .get("/api/v1/devices/{id}/impact", handlers::device_impact);
}
