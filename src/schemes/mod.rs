//! Schemes: one council's programme each, many on one service (DESIGN §9). Platform
//! administrators create a scheme with its first admin, rename it and suspend or reinstate it
//! (`/api/v1/schemes`); a scheme's admins keep its rules — sale price, household rule, refund window,
//! SIM limit, retention, number prefixes, default factor set and loan defaults — as data
//! (`/api/v1/scheme`). Platform administrators also grant a reporter of one scheme another
//! scheme's reports (`/api/v1/schemes/{id}/report-grants`), so a network such as a combined
//! authority sees each of its schemes, or their sum. Which scheme a request works in is the
//! caller's, confirmed with the token.

mod handlers;
pub mod models;
pub mod repo;
pub mod rules;

use crate::http::RouteTable;

pub fn routes(table: &mut RouteTable) {
    table
        .get("/api/v1/schemes", handlers::list)
        .post("/api/v1/schemes", handlers::create)
        .get("/api/v1/schemes/{id}", handlers::get)
        .patch("/api/v1/schemes/{id}", handlers::update)
        .get("/api/v1/schemes/{id}/report-grants", handlers::grants)
        .post("/api/v1/schemes/{id}/report-grants", handlers::grant)
        .delete("/api/v1/schemes/{id}/report-grants/{user_id}", handlers::revoke)
        .get("/api/v1/scheme", handlers::own)
        .patch("/api/v1/scheme", handlers::update_own);
}
