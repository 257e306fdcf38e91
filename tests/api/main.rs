//! End-to-end API tests: the real service over HTTP against a real PostgreSQL.

mod auth;
mod devices;
mod donations;
mod embedded;
mod factor_sets;
mod errors;
mod health;
mod helpers;
mod hubs;
mod idempotency;
mod impact;
mod loans;
mod organisations;
mod refurbishment;
mod residents;
mod roles;
mod sales;
mod sims;
mod spec;
mod users;
mod wards;
