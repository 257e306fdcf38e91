//! The worker that sends notices, in every instance (`serve` starts it beside the HTTP server)
//! or alone (`tech4all worker`). Each round it runs the day's scheduled pass in every active
//! scheme (queuing what time brings, once), then claims due notices across schemes — rows another
//! instance holds are skipped, never waited for — and delivers each inside its own scheme. The
//! request that caused a notice never waits for it or fails because of it.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use chrono::{DateTime, Utc};
use lettre::message::Mailbox;
use lettre::{Message, SmtpTransport, Transport};

use crate::config::Settings;
use crate::db::Pool;
use crate::notices::models::{Outgoing, Senders};

/// How many notices one round claims, and how long a claim holds before another worker may take
/// the notice over (its sender presumably gone).
const BATCH: i32 = 50;
const LEASE_SECONDS: i32 = 120;

/// Email through the configured SMTP server.
pub struct Smtp {
    transport: Option<SmtpTransport>,
    from: Mailbox,
}

impl Smtp {
    pub fn from_settings(settings: &Settings) -> Result<Self, String> {
        let from: Mailbox =
            settings.smtp_from.parse().map_err(|e| format!("TECH4ALL_SMTP_FROM: not a mailbox ({e})"))?;
        let transport = match &settings.smtp_url {
            Some(url) => Some(
                SmtpTransport::from_url(url)
                    .map_err(|e| format!("TECH4ALL_SMTP_URL: {e}"))?
                    .timeout(Some(Duration::from_secs(20)))
                    .build(),
            ),
            None => None,
        };
        Ok(Self { transport, from })
    }
}

impl Senders for Smtp {
    fn email_configured(&self) -> bool {
        self.transport.is_some()
    }

    fn send_email(&self, message: &Outgoing) -> Result<(), String> {
        let transport = self.transport.as_ref().ok_or("no SMTP server is configured")?;
        let to: Mailbox = message.to.parse().map_err(|e| format!("the address cannot take mail ({e})"))?;
        let email = Message::builder()
            .from(self.from.clone())
            .to(to)
            .subject(&message.subject)
            .body(message.body.clone())
            .map_err(|e| e.to_string())?;
        transport.send(&email).map(|_| ()).map_err(|e| format!("SMTP: {e}"))
    }
}

/// Runs the scheduled pass for `as_of`'s day (UK time) in every active scheme; returns how many
/// notices were queued.
pub fn pass(pool: &Pool, as_of: DateTime<Utc>) -> Result<usize, String> {
    let mut conn = pool.get().map_err(|e| e.to_string())?;
    let today = crate::calendar::local_date(as_of);
    let schemes = crate::schemes::repo::active(&mut conn).map_err(|e| e.to_string())?;
    let mut queued = 0;
    for scheme in schemes {
        crate::db::enter_scheme(&mut conn, scheme.id).map_err(|e| e.to_string())?;
        queued += crate::notices::handlers::pass(&mut conn, today).map_err(|e| e.detail.clone())?;
    }
    Ok(queued)
}

/// Claims due notices and delivers each; returns how many were claimed.
pub fn deliver_due(pool: &Pool, senders: &dyn Senders, now: DateTime<Utc>) -> Result<usize, String> {
    let mut conn = pool.get().map_err(|e| e.to_string())?;
    let claimed = crate::notices::repo::claim(&mut conn, BATCH, LEASE_SECONDS).map_err(|e| e.to_string())?;
    for (scheme, id) in &claimed {
        crate::db::enter_scheme(&mut conn, *scheme).map_err(|e| e.to_string())?;
        if let Err(e) = crate::notices::handlers::deliver(&mut conn, *id, senders, now) {
            // Left claimed: the lease lapses and the notice is tried again.
            tracing::warn!(notice = %id, error = %e.detail, "notice not delivered");
        }
    }
    Ok(claimed.len())
}

/// Starts the worker on its own thread; it stops when `stop` is set.
pub fn spawn(pool: Pool, settings: &Settings, stop: Arc<AtomicBool>) -> Result<std::thread::JoinHandle<()>, String> {
    let senders = Smtp::from_settings(settings)?;
    let poll = settings.notice_poll;
    Ok(std::thread::spawn(move || {
        while !stop.load(Ordering::Relaxed) {
            let now = Utc::now();
            if let Err(e) = pass(&pool, now) {
                tracing::warn!(error = %e, "scheduled notices pass failed");
            }
            loop {
                match deliver_due(&pool, &senders, Utc::now()) {
                    Ok(n) if n > 0 => continue,
                    Ok(_) => break,
                    Err(e) => {
                        tracing::warn!(error = %e, "claiming notices failed");
                        break;
                    }
                }
            }
            std::thread::sleep(poll);
        }
    }))
}
