//! Reads that may be served by a streaming replica (`TECH4ALL_REPLICA_URL`): the reports. A watcher
//! asks the replica every second how far behind the primary it is; while it answers and is no more
//! than `TECH4ALL_REPLICA_MAX_LAG_SECONDS` behind, reports read from it. When it is missing, stops
//! answering or falls behind, reports read from the primary instead — a report is never refused
//! or older than the limit because of the replica — and the watcher lets them back once it has
//! caught up.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Weak};
use std::time::Duration;

use diesel::pg::PgConnection;
use diesel::prelude::*;
use diesel::sql_types::Double;

use super::{DbError, Pool};

/// How often the watcher asks the replica how far behind it is.
const WATCH_EVERY: Duration = Duration::from_secs(1);

/// Seconds the replica is behind: 0 when it has replayed everything it received (or is not in
/// recovery at all); otherwise the age of the last transaction it replayed.
const LAG: &str = "SELECT (CASE WHEN NOT pg_is_in_recovery() THEN 0 \
    WHEN pg_last_wal_receive_lsn() IS NOT DISTINCT FROM pg_last_wal_replay_lsn() THEN 0 \
    ELSE coalesce(extract(epoch FROM now() - pg_last_xact_replay_timestamp()), 1e9) END)::float8 AS seconds";

#[derive(QueryableByName)]
struct Lag {
    #[diesel(sql_type = Double)]
    seconds: f64,
}

/// The pool reads go to: the primary's, and the replica's when one is configured.
#[derive(Clone)]
pub struct ReadPools {
    primary: Pool,
    replica: Option<Arc<Replica>>,
}

struct Replica {
    pool: Pool,
    /// Answering, and no more than the allowed lag behind.
    current: AtomicBool,
    max_lag: Duration,
}

impl ReadPools {
    /// Reads from the primary only.
    pub fn primary(primary: Pool) -> Self {
        Self { primary, replica: None }
    }

    /// Reads from `replica` while it keeps up, watched from a thread of its own that ends with
    /// the last clone of this value.
    pub fn with_replica(primary: Pool, replica: Pool, max_lag: Duration) -> Self {
        let replica = Arc::new(Replica { pool: replica, current: AtomicBool::new(false), max_lag });
        replica.check();
        let watched = Arc::downgrade(&replica);
        std::thread::Builder::new()
            .name("replica-watch".into())
            .spawn(move || watch(watched))
            .map_err(|e| tracing::warn!(error = %e, "cannot watch the replica; reports read from the primary"))
            .ok();
        Self { primary, replica: Some(replica) }
    }

    /// Whether reads go to the replica now.
    pub fn replica_in_use(&self) -> bool {
        self.replica.as_ref().is_some_and(|r| r.current.load(Ordering::Relaxed))
    }

    /// Runs `work` on the replica while it is current, else (or if it cannot give a connection)
    /// on the primary.
    pub async fn run<T, E, F>(&self, work: F) -> Result<T, E>
    where
        F: Fn(&mut PgConnection) -> Result<T, E> + Send + Sync + 'static,
        T: Send + 'static,
        E: From<DbError> + Send + 'static,
    {
        let work = Arc::new(work);
        if let Some(replica) = self.replica.as_ref().filter(|r| r.current.load(Ordering::Relaxed)) {
            let (pool, on_replica, span) = (replica.pool.clone(), work.clone(), tracing::Span::current());
            let outcome = actix_web::web::block(move || {
                let _entered = span.enter();
                pool.get().map(|mut conn| on_replica(&mut conn))
            })
            .await;
            match outcome {
                Ok(Ok(answer)) => return answer,
                Ok(Err(e)) => {
                    tracing::warn!(error = %e, "the replica gave no connection; reading from the primary");
                    replica.current.store(false, Ordering::Relaxed);
                }
                Err(e) => return Err(E::from(DbError::TaskFailed(e.to_string()))),
            }
        }
        super::run_blocking(&self.primary, move |conn| work(conn)).await
    }
}

impl Replica {
    /// Asks the replica how far behind it is, and says whether reads may go to it.
    fn check(&self) {
        let lag = self
            .pool
            .get()
            .map_err(|e| e.to_string())
            .and_then(|mut conn| diesel::sql_query(LAG).get_result::<Lag>(&mut conn).map_err(|e| e.to_string()));
        let current = match &lag {
            Ok(lag) => lag.seconds <= self.max_lag.as_secs_f64(),
            Err(_) => false,
        };
        let was = self.current.swap(current, Ordering::Relaxed);
        if was != current {
            match lag {
                Ok(lag) if current => tracing::info!(lag_seconds = lag.seconds, "reports read from the replica"),
                Ok(lag) => {
                    tracing::warn!(lag_seconds = lag.seconds, "the replica is behind; reports read from the primary")
                }
                Err(e) => tracing::warn!(error = %e, "the replica does not answer; reports read from the primary"),
            }
        }
    }
}

fn watch(replica: Weak<Replica>) {
    loop {
        std::thread::sleep(WATCH_EVERY);
        let Some(replica) = replica.upgrade() else { return };
        replica.check();
    }
}
