//! The worker that sends notices and webhook deliveries, in every instance (`serve` starts it beside the HTTP server)
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

/// The ways out: email through the configured SMTP server, text messages through GOV.UK Notify.
pub struct Outbound {
    smtp: Option<SmtpTransport>,
    from: Mailbox,
    notify: Option<Notify>,
}

/// GOV.UK Notify's API: a key `name-<service id>-<secret>`, each request signed with a JWT
/// (HS256 with the secret; `iss` the service id, `iat` now) as its documentation specifies.
struct Notify {
    base_url: String,
    service_id: String,
    secret: String,
    sms_template_id: String,
    letter_template_id: Option<String>,
    agent: ureq::Agent,
}

impl Notify {
    fn new(settings: &crate::config::NotifySettings) -> Result<Self, String> {
        let key = settings.api_key.trim();
        // The last two parts are UUIDs (36 characters each); the name before them may hold dashes.
        if key.len() < 74 || !key.is_char_boundary(key.len() - 73) {
            return Err("TECH4ALL_NOTIFY_API_KEY: expected name-<service id>-<secret key>".into());
        }
        let (service_id, secret) = (&key[key.len() - 73..key.len() - 37], &key[key.len() - 36..]);
        if uuid::Uuid::parse_str(service_id).is_err() || uuid::Uuid::parse_str(secret).is_err() {
            return Err("TECH4ALL_NOTIFY_API_KEY: expected name-<service id>-<secret key>".into());
        }
        let agent = ureq::AgentBuilder::new().timeout(Duration::from_secs(20)).build();
        Ok(Self {
            base_url: settings.base_url.trim_end_matches('/').to_owned(),
            service_id: service_id.to_owned(),
            secret: secret.to_owned(),
            sms_template_id: settings.sms_template_id.clone(),
            letter_template_id: settings.letter_template_id.clone(),
            agent,
        })
    }

    fn token(&self) -> Result<String, String> {
        let claims = serde_json::json!({ "iss": self.service_id, "iat": Utc::now().timestamp() });
        let key = jsonwebtoken::EncodingKey::from_secret(self.secret.as_bytes());
        jsonwebtoken::encode(&jsonwebtoken::Header::new(jsonwebtoken::Algorithm::HS256), &claims, &key)
            .map_err(|e| format!("Notify token: {e}"))
    }

    fn send_sms(&self, to: &str, body: &str, reference: &str) -> Result<(), String> {
        let request = serde_json::json!({
            "phone_number": to,
            "template_id": self.sms_template_id,
            "personalisation": { "body": body },
            "reference": reference,
        });
        self.post("sms", request)
    }

    /// A letter: the address a line each (`address_line_1` the name … the postcode last).
    fn send_letter(&self, message: &Outgoing, reference: &str) -> Result<(), String> {
        let template = self.letter_template_id.as_deref().ok_or("no Notify letter template is configured")?;
        let mut personalisation = serde_json::Map::new();
        for (i, line) in message.to.lines().take(7).enumerate() {
            personalisation.insert(format!("address_line_{}", i + 1), serde_json::Value::String(line.to_owned()));
        }
        personalisation.insert("subject".into(), serde_json::Value::String(message.subject.clone()));
        personalisation.insert("body".into(), serde_json::Value::String(message.body.clone()));
        let request = serde_json::json!({
            "template_id": template,
            "personalisation": personalisation,
            "reference": reference,
        });
        self.post("letter", request)
    }

    fn post(&self, kind: &str, request: serde_json::Value) -> Result<(), String> {
        let url = format!("{}/v2/notifications/{kind}", self.base_url);
        match self.agent.post(&url).set("Authorization", &format!("Bearer {}", self.token()?)).send_json(request) {
            Ok(response) if response.status() == 201 => Ok(()),
            Ok(response) => Err(format!("Notify answered {}", response.status())),
            Err(ureq::Error::Status(code, response)) => {
                Err(format!("Notify answered {code}: {}", response.into_string().unwrap_or_default()))
            }
            Err(e) => Err(format!("Notify: {e}")),
        }
    }
}

impl Outbound {
    pub fn from_settings(settings: &Settings) -> Result<Self, String> {
        let from: Mailbox =
            settings.smtp_from.parse().map_err(|e| format!("TECH4ALL_SMTP_FROM: not a mailbox ({e})"))?;
        let smtp = match &settings.smtp_url {
            Some(url) => Some(
                SmtpTransport::from_url(url)
                    .map_err(|e| format!("TECH4ALL_SMTP_URL: {e}"))?
                    .timeout(Some(Duration::from_secs(20)))
                    .build(),
            ),
            None => None,
        };
        let notify = settings.notify.as_ref().map(Notify::new).transpose()?;
        Ok(Self { smtp, from, notify })
    }
}

impl Senders for Outbound {
    fn email_configured(&self) -> bool {
        self.smtp.is_some()
    }

    fn send_email(&self, message: &Outgoing) -> Result<(), String> {
        let transport = self.smtp.as_ref().ok_or("no SMTP server is configured")?;
        let to: Mailbox = message.to.parse().map_err(|e| format!("the address cannot take mail ({e})"))?;
        let email = Message::builder()
            .from(self.from.clone())
            .to(to)
            .subject(&message.subject)
            .body(message.body.clone())
            .map_err(|e| e.to_string())?;
        transport.send(&email).map(|_| ()).map_err(|e| format!("SMTP: {e}"))
    }

    fn sms_configured(&self) -> bool {
        self.notify.is_some()
    }

    fn send_sms(&self, message: &Outgoing, reference: &str) -> Result<(), String> {
        let notify = self.notify.as_ref().ok_or("GOV.UK Notify is not configured")?;
        notify.send_sms(&message.to, &message.body, reference)
    }

    fn letters_configured(&self) -> bool {
        self.notify.as_ref().is_some_and(|n| n.letter_template_id.is_some())
    }

    fn send_letter(&self, message: &Outgoing, reference: &str) -> Result<(), String> {
        let notify = self.notify.as_ref().ok_or("GOV.UK Notify is not configured")?;
        notify.send_letter(message, reference)
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
        let days = crate::notices::handlers::NoticeDays {
            due_soon: i64::from(scheme.due_soon_notice_days),
            sim_ending: i64::from(scheme.sim_ending_notice_days),
        };
        queued += crate::notices::handlers::pass(&mut conn, today, days).map_err(|e| e.detail.clone())?;
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

/// Partners' endpoints, reached only at public addresses unless the operator allows private ones:
/// names are resolved here and every address checked, so a name cannot point back inside.
pub struct WebhookPoster {
    agent: ureq::Agent,
}

struct PublicOnly;

impl ureq::Resolver for PublicOnly {
    fn resolve(&self, netloc: &str) -> std::io::Result<Vec<std::net::SocketAddr>> {
        use std::net::ToSocketAddrs;
        let all: Vec<_> = netloc.to_socket_addrs()?.collect();
        let public: Vec<_> = all.iter().copied().filter(|a| !crate::webhooks::rules::is_private(a.ip())).collect();
        if public.is_empty() {
            return Err(std::io::Error::new(
                std::io::ErrorKind::PermissionDenied,
                format!("{netloc} resolves only to private or loopback addresses"),
            ));
        }
        Ok(public)
    }
}

impl WebhookPoster {
    pub fn from_settings(settings: &Settings) -> Self {
        // No pooled connections: deliveries go to many hosts, seconds or hours apart, and a
        // connection the receiver has since closed would fail a POST that cannot be retried.
        let builder = ureq::AgentBuilder::new().timeout(Duration::from_secs(15)).redirects(0).max_idle_connections(0);
        let builder = if settings.webhook_allow_private { builder } else { builder.resolver(PublicOnly) };
        Self { agent: builder.build() }
    }
}

impl crate::webhooks::models::Poster for WebhookPoster {
    fn post(&self, request: &crate::webhooks::models::Outgoing) -> crate::webhooks::models::Posted {
        let mut call = self.agent.post(&request.url).set("user-agent", "Tech4All-Webhooks/1");
        for (name, value) in &request.headers {
            call = call.set(name, value);
        }
        match call.send_string(&request.body) {
            Ok(response) => Ok(response.status()),
            Err(ureq::Error::Status(code, _)) => Ok(code),
            Err(e) => Err(e.to_string()),
        }
    }
}

/// Claims due webhook deliveries and posts each; returns how many were claimed.
pub fn deliver_webhooks_due(
    pool: &Pool,
    poster: &dyn crate::webhooks::models::Poster,
    now: DateTime<Utc>,
) -> Result<usize, String> {
    let mut conn = pool.get().map_err(|e| e.to_string())?;
    let claimed = crate::webhooks::repo::claim(&mut conn, BATCH, LEASE_SECONDS).map_err(|e| e.to_string())?;
    for (scheme, id) in &claimed {
        crate::db::enter_scheme(&mut conn, *scheme).map_err(|e| e.to_string())?;
        if let Err(e) = crate::webhooks::handlers::deliver(&mut conn, *id, poster, now) {
            tracing::warn!(delivery = %id, error = %e.detail, "webhook not delivered");
        }
    }
    Ok(claimed.len())
}

/// Delivers until nothing is due, for one kind of outbox.
fn drain(what: &str, mut round: impl FnMut() -> Result<usize, String>) {
    loop {
        match round() {
            Ok(n) if n > 0 => continue,
            Ok(_) => break,
            Err(e) => {
                tracing::warn!(error = %e, "claiming {what} failed");
                break;
            }
        }
    }
}

/// Starts the worker on its own thread; it stops when `stop` is set.
pub fn spawn(pool: Pool, settings: &Settings, stop: Arc<AtomicBool>) -> Result<std::thread::JoinHandle<()>, String> {
    let senders = Outbound::from_settings(settings)?;
    let poster = WebhookPoster::from_settings(settings);
    let (poll, parallel) = (settings.notice_poll, settings.notice_senders);
    Ok(std::thread::spawn(move || {
        while !stop.load(Ordering::Relaxed) {
            let now = Utc::now();
            if let Err(e) = pass(&pool, now) {
                tracing::warn!(error = %e, "scheduled notices pass failed");
            }
            // Several senders side by side; claims skip each other's rows, so none is sent twice.
            std::thread::scope(|scope| {
                for _ in 0..parallel {
                    scope.spawn(|| {
                        drain("notices", || deliver_due(&pool, &senders, Utc::now()));
                        drain("webhook deliveries", || deliver_webhooks_due(&pool, &poster, Utc::now()));
                    });
                }
            });
            std::thread::sleep(poll);
        }
    }))
}
