//! Prometheus metrics: requests by route and status, a latency histogram by route, and the
//! database pool's in-use and idle connections (read from the pool at scrape time).

use std::sync::OnceLock;
use std::time::Duration;

use prometheus::{Encoder, HistogramOpts, HistogramVec, IntCounterVec, Opts, Registry, TextEncoder};

use crate::db::Pool;

struct Metrics {
    registry: Registry,
    requests: IntCounterVec,
    latency: HistogramVec,
}

fn metrics() -> &'static Metrics {
    static METRICS: OnceLock<Metrics> = OnceLock::new();
    METRICS.get_or_init(|| {
        let registry = Registry::new();
        let requests = IntCounterVec::new(
            Opts::new("http_requests_total", "HTTP requests served, by method, route and status"),
            &["method", "route", "status"],
        )
        .unwrap_or_else(|e| unreachable!("static metric definition: {e}"));
        let latency = HistogramVec::new(
            HistogramOpts::new("http_request_duration_seconds", "Time to serve a request, by method and route")
                .buckets(vec![0.001, 0.0025, 0.005, 0.01, 0.02, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0]),
            &["method", "route"],
        )
        .unwrap_or_else(|e| unreachable!("static metric definition: {e}"));
        let _ = registry.register(Box::new(requests.clone()));
        let _ = registry.register(Box::new(latency.clone()));
        Metrics { registry, requests, latency }
    })
}

pub fn record(method: &str, route: &str, status: u16, elapsed: Duration) {
    let m = metrics();
    m.requests.with_label_values(&[method, route, &status.to_string()]).inc();
    m.latency.with_label_values(&[method, route]).observe(elapsed.as_secs_f64());
}

/// The text exposition of every metric, with the pool's gauges appended.
pub fn render(pool: &Pool) -> String {
    let mut buffer = Vec::new();
    let _ = TextEncoder::new().encode(&metrics().registry.gather(), &mut buffer);
    let mut text = String::from_utf8(buffer).unwrap_or_default();
    let state = pool.state();
    let in_use = state.connections.saturating_sub(state.idle_connections);
    text.push_str(&format!(
        "# HELP db_pool_connections Database pool connections by state\n\
         # TYPE db_pool_connections gauge\n\
         db_pool_connections{{state=\"in_use\"}} {in_use}\n\
         db_pool_connections{{state=\"idle\"}} {}\n\
         # HELP db_pool_max_connections Largest number of connections the pool opens\n\
         # TYPE db_pool_max_connections gauge\n\
         db_pool_max_connections {}\n",
        state.idle_connections,
        pool.max_size()
    ));
    text
}
