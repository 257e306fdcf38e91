//! End-to-end API tests: the real service over HTTP against a real PostgreSQL.

mod auth;
mod collection;
mod demo;
mod devices;
mod donations;
mod embedded;
mod errors;
mod factor_sets;
mod health;
mod helpers;
mod hubs;
mod idempotency;
mod impact;
mod instances;
mod loans;
mod organisations;
mod refurbishment;
mod reports;
mod residents;
mod roles;
mod rollups;
mod sales;
mod sims;
mod spec;
mod users;
mod wards;
