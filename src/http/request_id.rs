//! Request ids and per-request observation: accept a caller's `X-Request-Id` (or make one), echo
//! it on the response, put it in the request's tracing span and in every problem body, and record
//! the request in the Prometheus metrics.

use std::time::Instant;

use actix_web::body::MessageBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::header::{HeaderName, HeaderValue};
use actix_web::middleware::Next;
use tracing::Instrument;

use super::metrics;
use super::routes::RoutePattern;

pub const HEADER: &str = "x-request-id";

tokio::task_local! {
    static REQUEST_ID: String;
}

/// The id of the request being served on this task, if any.
pub fn current() -> Option<String> {
    REQUEST_ID.try_with(Clone::clone).ok()
}

/// A caller-supplied id is kept only if it is short, printable ASCII, so it is safe in logs.
fn accepted(value: &HeaderValue) -> Option<String> {
    let s = value.to_str().ok()?;
    let ok = !s.is_empty() && s.len() <= 128 && s.bytes().all(|b| b.is_ascii_graphic());
    ok.then(|| s.to_owned())
}

pub async fn observe(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<impl MessageBody + 'static>, actix_web::Error> {
    let id = req.headers().get(HEADER).and_then(accepted).unwrap_or_else(|| uuid::Uuid::now_v7().to_string());
    let method = req.method().to_string();
    let span = tracing::info_span!(
        "request",
        request_id = %id,
        method = %method,
        path = %req.path(),
    );
    let started = Instant::now();
    let mut response = REQUEST_ID.scope(id.clone(), next.call(req).instrument(span.clone())).await?;
    let elapsed = started.elapsed();
    let status = response.status().as_u16();
    let request = response.request();
    let route = match request.app_data::<RoutePattern>() {
        Some(pattern) => pattern.0.to_owned(),
        None => request.match_pattern().unwrap_or_else(|| "unmatched".to_owned()),
    };
    metrics::record(&method, &route, status, elapsed);
    span.in_scope(|| {
        tracing::info!(status, route = %route, elapsed_ms = elapsed.as_secs_f64() * 1000.0, "request finished");
    });
    if let Ok(value) = HeaderValue::from_str(&id) {
        response.headers_mut().insert(HeaderName::from_static(HEADER), value);
    }
    Ok(response)
}
