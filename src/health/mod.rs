//! Liveness, readiness (the database answers), Prometheus metrics and the served API contract.
//! These need no token, so probes, scrapers and client generators can reach them.

use actix_web::{HttpResponse, web};
use diesel::prelude::*;
use serde_json::json;

use crate::http::AppState;
use crate::http::run_blocking;
use crate::http::{ApiError, RouteTable, metrics};

/// The API contract, compiled into the binary so the served copy always matches the code.
pub const OPENAPI_YAML: &str = include_str!("../../openapi.yaml");

pub fn routes(table: &mut RouteTable) {
    table
        .get("/health/live", live)
        .get("/health/ready", ready)
        .get("/metrics", prometheus)
        .get("/api/v1/openapi.yaml", openapi);
}

async fn live() -> HttpResponse {
    HttpResponse::Ok().json(json!({ "status": "live" }))
}

async fn ready(state: web::Data<AppState>) -> Result<HttpResponse, ApiError> {
    run_blocking(&state.pool, |conn| {
        diesel::select(diesel::dsl::sql::<diesel::sql_types::Integer>("1")).get_result::<i32>(conn).map_err(|e| {
            tracing::warn!(error = %e, "readiness check failed");
            ApiError::unavailable()
        })
    })
    .await?;
    Ok(HttpResponse::Ok().json(json!({ "status": "ready" })))
}

async fn prometheus(state: web::Data<AppState>) -> HttpResponse {
    HttpResponse::Ok().content_type("text/plain; version=0.0.4; charset=utf-8").body(metrics::render(&state.pool))
}

async fn openapi() -> HttpResponse {
    HttpResponse::Ok().content_type("application/yaml").body(OPENAPI_YAML)
}
