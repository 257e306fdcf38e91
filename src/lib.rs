//! Tech4All tracker: donated devices, their refurbishment, loans, sales and SIM cards, and the
//! carbon and landfill their reuse saves. `Application::build` assembles the HTTP service (used by
//! `main` and by the tests); `cli` holds the sub-commands.

pub mod accessories;
pub mod agreements;
pub mod auth;
pub mod bootstrap;
pub mod calendar;
pub mod cli;
pub mod config;
pub mod contact;
pub mod db;
pub mod demo;
pub mod devices;
pub mod docs;
pub mod donations;
pub mod handover;
pub mod health;
pub mod holds;
pub mod http;
pub mod hubs;
pub mod ids;
pub mod impact;
pub mod loan_rules;
pub mod loans;
pub mod notices;
pub mod organisations;
pub mod refurbishment;
pub mod reports;
pub mod resets;
pub mod residents;
pub mod sales;
pub mod sales_sessions;
pub mod schemes;
pub mod sims;
pub mod stocktakes;
pub mod users;
pub mod wards;
pub mod webhooks;
pub mod worker;

use std::net::TcpListener;
use std::sync::Arc;

use actix_web::dev::Server;
use actix_web::middleware::from_fn;
use actix_web::{App, HttpServer, web};

use crate::auth::JwtKeys;
use crate::config::Settings;
use crate::db::Pool;
use crate::http::json::BodyLimits;
use crate::http::{ApiError, AppState, RouteTable};

/// Every route of the service, in one table.
pub fn route_table() -> RouteTable {
    let mut table = RouteTable::new();
    health::routes(&mut table);
    users::routes(&mut table);
    schemes::routes(&mut table);
    wards::routes(&mut table);
    hubs::routes(&mut table);
    organisations::routes(&mut table);
    donations::routes(&mut table);
    devices::routes(&mut table);
    refurbishment::routes(&mut table);
    residents::routes(&mut table);
    sales_sessions::routes(&mut table);
    sales::routes(&mut table);
    sims::routes(&mut table);
    loan_rules::routes(&mut table);
    loans::routes(&mut table);
    holds::routes(&mut table);
    resets::routes(&mut table);
    stocktakes::routes(&mut table);
    accessories::routes(&mut table);
    agreements::routes(&mut table);
    notices::routes(&mut table);
    webhooks::routes(&mut table);
    impact::routes(&mut table);
    reports::routes(&mut table);
    table
}

/// Where a resident's personal data lives beyond their own record, for the subject access export:
/// each slice that keeps records about residents answers for its own.
pub fn personal_data() -> residents::models::PersonalData {
    residents::models::PersonalData {
        sections: vec![
            ("sales", sales::handlers::export_section),
            ("loans", loans::handlers::export_section),
            ("sim_allocations", sims::handlers::export_section),
            ("holds", holds::handlers::export_section),
            ("agreements", agreements::handlers::export_section),
            ("messages", notices::handlers::export_section),
        ],
    }
}

/// A bound, not yet running, HTTP server.
pub struct Application {
    port: u16,
    server: Server,
}

impl Application {
    /// Builds the server on `listener` (port 0 picks a free port, as the tests do).
    pub fn build(
        settings: Settings,
        pool: Pool,
        keys: JwtKeys,
        listener: TcpListener,
        workers: Option<usize>,
    ) -> std::io::Result<Self> {
        let port = listener.local_addr()?.port();
        let limits = BodyLimits { json: settings.json_limit_bytes, import: settings.import_limit_bytes };
        let reads = match &settings.replica_url {
            Some(url) => db::replica::ReadPools::with_replica(
                pool.clone(),
                db::build_replica_pool(url, &settings),
                settings.replica_max_lag,
            ),
            None => db::replica::ReadPools::primary(pool.clone()),
        };
        let state = web::Data::new(AppState { pool, reads, settings: Arc::new(settings) });
        let limits = web::Data::new(limits);
        let callers: web::Data<dyn http::Callers> = web::Data::from(Arc::new(keys.clone()) as Arc<dyn http::Callers>);
        let keys = web::Data::new(keys);
        let effects: web::Data<dyn devices::repo::moves::Effects> =
            web::Data::from(Arc::new(handover::Handover) as Arc<dyn devices::repo::moves::Effects>);
        let personal_data = web::Data::new(personal_data());
        let mut server = HttpServer::new(move || {
            App::new()
                .app_data(state.clone())
                .app_data(keys.clone())
                .app_data(callers.clone())
                .app_data(effects.clone())
                .app_data(personal_data.clone())
                .app_data(limits.clone())
                .app_data(web::PathConfig::default().error_handler(http::path_error))
                .wrap(from_fn(http::idempotency::idempotency))
                .wrap(from_fn(http::text::refuse_nul_in_uri))
                .wrap(from_fn(http::request_id::observe))
                .configure(|cfg| route_table().register(cfg))
                .configure(docs::configure)
                .default_service(web::to(|| async { Err::<actix_web::HttpResponse, _>(ApiError::route_not_found()) }))
        })
        .listen(listener)?;
        if let Some(n) = workers {
            server = server.workers(n);
        }
        Ok(Self { port, server: server.run() })
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    /// Serves until SIGINT/SIGTERM (graceful: in-flight requests finish).
    pub async fn run_until_stopped(self) -> std::io::Result<()> {
        self.server.await
    }
}
