//! End-to-end API tests: the real service over HTTP against a real PostgreSQL.

mod auth;
mod embedded;
mod errors;
mod health;
mod helpers;
mod hubs;
mod roles;
mod spec;
mod users;
mod wards;
