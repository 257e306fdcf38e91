//! Reports for council officers and funders: aggregates only, read from rollups kept in the same
//! transactions as the events they count, so their cost follows the number of groups.

pub mod chart;
pub mod distribution;
pub mod exclusion;
pub mod grouping;
pub mod sustainability;

use crate::http::RouteTable;

pub fn routes(table: &mut RouteTable) {
    table
        .get("/api/v1/reports/sustainability", sustainability::report)
        .get("/api/v1/reports/sustainability.svg", chart::chart)
        .get("/api/v1/reports/distribution", distribution::report)
        .get("/api/v1/reports/distribution.svg", chart::distribution_chart)
        .get("/api/v1/reports/exclusion-risk", exclusion::report);
}
