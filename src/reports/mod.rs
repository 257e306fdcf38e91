//! Reports for council officers and funders: aggregates only, read from rollups kept in the same
//! transactions as the events they count, so their cost follows the number of groups. Handlers
//! parse and authorise (`auth::REPORT_READERS`), the repo holds every query, the rules do the
//! grouping, suppression and drawing, and the models hold the query strings, rows and reports.

pub mod handlers;
pub mod models;
pub mod repo;
pub mod rules;

use crate::http::RouteTable;

pub fn routes(table: &mut RouteTable) {
    table
        .get("/api/v1/reports/sustainability", handlers::sustainability::report)
        .get("/api/v1/reports/sustainability.svg", handlers::chart::chart)
        .get("/api/v1/reports/distribution", handlers::distribution::report)
        .get("/api/v1/reports/distribution.svg", handlers::chart::distribution_chart)
        .get("/api/v1/reports/exclusion-risk", handlers::exclusion::report);
}
