//! Hand-over agreements: each scheme publishes versioned terms for loans and for sales (admins
//! publish; old versions stay readable and are never edited). A loan or a sale records which
//! version the resident accepted and how — on paper, by typing their name, or by signing (a small
//! SVG or PNG, checked to be one; an SVG with anything beyond drawing is refused). Terms published
//! as `required` make acceptance a condition of the hand-over (409 `agreement-required`) while
//! they are the latest of their kind. `handlers::accept` is the step a loan or sale runs in its
//! own transaction; `rules::render` prints an accepted agreement as HTML.

pub mod handlers;
pub mod models;
pub mod repo;
pub mod rules;

use crate::http::RouteTable;

pub fn routes(table: &mut RouteTable) {
    table
        .get("/api/v1/agreements", handlers::list)
        .post("/api/v1/agreements", handlers::publish)
        .get("/api/v1/agreements/{id}", handlers::get);
}
