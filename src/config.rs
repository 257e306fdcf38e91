//! Typed settings, read once from environment variables at start-up.
//!
//! Every variable the service reads is listed here (and in README.md's configuration table):
//!
//! | variable | default | meaning |
//! |---|---|---|
//! | `DATABASE_URL` | unset | PostgreSQL to use; unset starts a private embedded cluster |
//! | `TECH4ALL_REPLICA_URL` | unset | a streaming replica reports read from while it keeps up |
//! | `TECH4ALL_REPLICA_MAX_LAG_SECONDS` | `30` | behind more than this (or not answering), reports read from the primary (1–3600) |
//! | `TECH4ALL_BIND` | `127.0.0.1:8080` | address and port the HTTP server listens on |
//! | `TECH4ALL_DATA_DIR` | `/var/lib/tech4all` as root, else `~/.local/share/tech4all` | embedded cluster and local files |
//! | `TECH4ALL_JWT_SECRET` | none (required, ≥ 32 bytes; `--demo` generates one) | HS256 signing key |
//! | `TECH4ALL_TOKEN_TTL_SECONDS` | `1800` | lifetime of an access token (60–86400) |
//! | `TECH4ALL_DB_POOL_SIZE` | `16` | connections in the pool (1–200) |
//! | `TECH4ALL_DB_POOL_TIMEOUT_SECONDS` | `2` | longest wait for a pooled connection before a 503 (1–5) |
//! | `TECH4ALL_STATEMENT_TIMEOUT_MS` | `15000` | per-connection `statement_timeout` |
//! | `TECH4ALL_LOCK_TIMEOUT_MS` | `2500` | per-connection `lock_timeout` |
//! | `TECH4ALL_LOG_FORMAT` | `text` | `text` (readable) or `json` (one object a line) |
//! | `TECH4ALL_ADMIN_EMAIL` | `admin@tech4all.test` | bootstrap admin created on an empty database |
//! | `TECH4ALL_ADMIN_PASSWORD` | generated and printed once | its password (≥ 12 characters) |
//! | `TECH4ALL_LOGIN_MAX_FAILURES` | `5` | failed sign-ins per account within the window before 429 |
//! | `TECH4ALL_LOGIN_MAX_FAILURES_PER_ADDRESS` | `20` | failed sign-ins per client address within the window |
//! | `TECH4ALL_LOGIN_WINDOW_SECONDS` | `900` | the throttling window |
//! | `TECH4ALL_TRUST_FORWARDED_FOR` | `false` | take the client address from `X-Forwarded-For` (behind a proxy) |
//! | `TECH4ALL_JSON_LIMIT_BYTES` | `1048576` | largest JSON body accepted (413 above) |
//! | `TECH4ALL_IMPORT_LIMIT_BYTES` | `16777216` | largest bulk-import body accepted (413 above) |
//! | `TECH4ALL_SALE_PRICE_PENCE` | `6000` | a new scheme's price for a device, in pence (£60) |
//! | `TECH4ALL_HOUSEHOLD_RULE_MONTHS` | `12` | a new scheme's household rule: one device per resident in this many months (0: no limit) |
//! | `TECH4ALL_REFUND_WINDOW_DAYS` | `30` | a new scheme's refund window, in days |
//! | `TECH4ALL_SIM_LIMIT_PER_RESIDENT` | `1` | a new scheme's limit on active SIM allocations per resident |
//! | `TECH4ALL_RETENTION_MONTHS` | `36` | a new scheme's retention: residents inactive this long are erased by `retention apply` |
//! | `RUST_LOG` | `info` | log filter (tracing-subscriber `EnvFilter` syntax) |
//!
//! The five scheme rules are defaults: each scheme holds its own (`GET/PATCH /api/v1/scheme`). A
//! database upgraded from a single-scheme release gives its first scheme the values these variables
//! had at the first start after the upgrade.
//!
//! A value that does not parse stops start-up with a message naming the variable.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::str::FromStr;
use std::time::Duration;

/// Why the settings could not be read.
#[derive(Debug, thiserror::Error)]
#[error("{variable}: {message}")]
pub struct ConfigError {
    pub variable: &'static str,
    pub message: String,
}

impl ConfigError {
    fn new(variable: &'static str, message: impl Into<String>) -> Self {
        Self { variable, message: message.into() }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LogFormat {
    Text,
    Json,
}

#[derive(Clone)]
pub struct Settings {
    pub database_url: Option<String>,
    pub replica_url: Option<String>,
    pub replica_max_lag: Duration,
    pub bind: SocketAddr,
    pub data_dir: PathBuf,
    pub jwt_secret: Option<Vec<u8>>,
    pub token_ttl: Duration,
    pub pool_size: u32,
    pub pool_timeout: Duration,
    pub statement_timeout_ms: u64,
    pub lock_timeout_ms: u64,
    pub log_format: LogFormat,
    pub admin_email: String,
    pub admin_password: Option<String>,
    pub login: LoginThrottle,
    pub trust_forwarded_for: bool,
    pub json_limit_bytes: usize,
    pub import_limit_bytes: usize,
    pub sales: SalesRules,
    pub retention_months: u32,
    pub sim_limit_per_resident: i64,
    /// Where email notices go out (`smtp://host:25`, `smtps://user:pass@host:465`,
    /// `smtp://host:587?tls=required`); without it, residents with email get printed letters.
    pub smtp_url: Option<String>,
    /// The sender of email notices.
    pub smtp_from: String,
    /// How often the worker looks for notices to send.
    pub notice_poll: Duration,
    /// How many sends the worker has in flight at once (each its own database connection): sending
    /// waits on the network and on each commit, so a few in parallel drain a busy day faster.
    pub notice_senders: usize,
    /// GOV.UK Notify, for text messages: the service's API key and the id of a text template
    /// whose whole content is `((body))` (the scheme's wording goes in it).
    pub notify: Option<NotifySettings>,
    /// Whether webhooks may go to loopback and private addresses, and over plain http (tests,
    /// or an operator whose partners sit on the same private network).
    pub webhook_allow_private: bool,
}

#[derive(Debug, Clone)]
pub struct NotifySettings {
    pub api_key: String,
    pub sms_template_id: String,
    /// A letter template whose heading is `((subject))` and content `((body))`; without it,
    /// letters are printed at the hub.
    pub letter_template_id: Option<String>,
    pub base_url: String,
}

/// The rules that differ between schemes (DESIGN §9). Each scheme keeps its own as data
/// (`GET/PATCH /api/v1/scheme`); the environment variables give the defaults for a new scheme.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SchemeRules {
    pub sale_price_pence: i32,
    pub household_rule_months: i32,
    pub refund_window_days: i32,
    pub sim_limit_per_resident: i32,
    pub retention_months: i32,
    /// Receipt numbers are `<prefix>-<year>-<number>`.
    pub receipt_prefix: String,
}

impl SchemeRules {
    /// The rules with every variable at its documented default.
    #[cfg(test)]
    pub fn standard() -> Self {
        SchemeRules {
            sale_price_pence: 6000,
            household_rule_months: 12,
            refund_window_days: 30,
            sim_limit_per_resident: 1,
            retention_months: 36,
            receipt_prefix: "S".into(),
        }
    }

    pub fn sales(&self) -> SalesRules {
        SalesRules {
            price_pence: self.sale_price_pence,
            household_months: self.household_rule_months.max(0) as u32,
            refund_window_days: self.refund_window_days.max(0) as u32,
        }
    }
}

/// A scheme's sales rules.
#[derive(Debug, Clone, Copy)]
pub struct SalesRules {
    pub price_pence: i32,
    pub household_months: u32,
    pub refund_window_days: u32,
}

/// Secrets are redacted so settings can be logged.
impl std::fmt::Debug for Settings {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Settings")
            .field("database_url", &self.database_url.as_ref().map(|_| "<set>"))
            .field("replica_url", &self.replica_url.as_ref().map(|_| "<set>"))
            .field("bind", &self.bind)
            .field("data_dir", &self.data_dir)
            .field("jwt_secret", &self.jwt_secret.as_ref().map(|_| "<redacted>"))
            .field("token_ttl", &self.token_ttl)
            .field("pool_size", &self.pool_size)
            .field("log_format", &self.log_format)
            .field("admin_email", &self.admin_email)
            .finish_non_exhaustive()
    }
}

/// Limits on failed sign-ins, shared by all instances through the database.
#[derive(Debug, Clone, Copy)]
pub struct LoginThrottle {
    pub max_failures_per_account: i64,
    pub max_failures_per_address: i64,
    pub window: Duration,
}

/// Shortest HS256 secret accepted: 256 bits, the size of the hash output.
pub const MIN_JWT_SECRET_BYTES: usize = 32;

impl Settings {
    /// The rules a new scheme starts with, from the environment.
    pub fn scheme_defaults(&self) -> SchemeRules {
        SchemeRules {
            sale_price_pence: self.sales.price_pence,
            household_rule_months: self.sales.household_months as i32,
            refund_window_days: self.sales.refund_window_days as i32,
            sim_limit_per_resident: self.sim_limit_per_resident as i32,
            retention_months: self.retention_months as i32,
            receipt_prefix: "S".into(),
        }
    }

    /// Reads every setting from the process environment.
    pub fn from_env() -> Result<Self, ConfigError> {
        Self::from_lookup(|name| std::env::var(name).ok())
    }

    /// Reads settings through `lookup`, so tests can supply their own environment.
    pub fn from_lookup(lookup: impl Fn(&str) -> Option<String>) -> Result<Self, ConfigError> {
        let get = |name: &str| lookup(name).filter(|v| !v.trim().is_empty());
        let jwt_secret = match get("TECH4ALL_JWT_SECRET") {
            Some(s) if s.len() < MIN_JWT_SECRET_BYTES => {
                return Err(ConfigError::new(
                    "TECH4ALL_JWT_SECRET",
                    format!("must be at least {MIN_JWT_SECRET_BYTES} bytes (got {})", s.len()),
                ));
            }
            other => other.map(String::into_bytes),
        };
        // Checked against the password policy by the command line, which knows it (`crate::auth`).
        let admin_password = get("TECH4ALL_ADMIN_PASSWORD");
        let log_format = match get("TECH4ALL_LOG_FORMAT").as_deref() {
            None | Some("text") => LogFormat::Text,
            Some("json") => LogFormat::Json,
            Some(other) => {
                return Err(ConfigError::new(
                    "TECH4ALL_LOG_FORMAT",
                    format!("expected 'text' or 'json', got '{other}'"),
                ));
            }
        };
        Ok(Self {
            database_url: get("DATABASE_URL"),
            replica_url: get("TECH4ALL_REPLICA_URL"),
            replica_max_lag: Duration::from_secs(ranged(&get, "TECH4ALL_REPLICA_MAX_LAG_SECONDS", 30, 1, 3600)?),
            bind: parse(&get, "TECH4ALL_BIND", "127.0.0.1:8080".parse().ok())?,
            data_dir: get("TECH4ALL_DATA_DIR").map(PathBuf::from).unwrap_or_else(default_data_dir),
            jwt_secret,
            token_ttl: Duration::from_secs(ranged(&get, "TECH4ALL_TOKEN_TTL_SECONDS", 1800, 60, 86_400)?),
            pool_size: ranged(&get, "TECH4ALL_DB_POOL_SIZE", 16, 1, 200)? as u32,
            pool_timeout: Duration::from_secs(ranged(&get, "TECH4ALL_DB_POOL_TIMEOUT_SECONDS", 2, 1, 5)?),
            statement_timeout_ms: ranged(&get, "TECH4ALL_STATEMENT_TIMEOUT_MS", 15_000, 100, 600_000)?,
            lock_timeout_ms: ranged(&get, "TECH4ALL_LOCK_TIMEOUT_MS", 2_500, 10, 600_000)?,
            log_format,
            admin_email: get("TECH4ALL_ADMIN_EMAIL").unwrap_or_else(|| "admin@tech4all.test".into()),
            admin_password,
            login: LoginThrottle {
                max_failures_per_account: ranged(&get, "TECH4ALL_LOGIN_MAX_FAILURES", 5, 1, 1000)? as i64,
                max_failures_per_address: ranged(&get, "TECH4ALL_LOGIN_MAX_FAILURES_PER_ADDRESS", 20, 1, 100_000)?
                    as i64,
                window: Duration::from_secs(ranged(&get, "TECH4ALL_LOGIN_WINDOW_SECONDS", 900, 1, 86_400)?),
            },
            trust_forwarded_for: parse(&get, "TECH4ALL_TRUST_FORWARDED_FOR", Some(false))?,
            json_limit_bytes: ranged(&get, "TECH4ALL_JSON_LIMIT_BYTES", 1 << 20, 1024, 64 << 20)? as usize,
            import_limit_bytes: ranged(&get, "TECH4ALL_IMPORT_LIMIT_BYTES", 16 << 20, 1024, 256 << 20)? as usize,
            sales: SalesRules {
                price_pence: ranged(&get, "TECH4ALL_SALE_PRICE_PENCE", 6000, 0, 1_000_000)? as i32,
                household_months: ranged(&get, "TECH4ALL_HOUSEHOLD_RULE_MONTHS", 12, 0, 120)? as u32,
                refund_window_days: ranged(&get, "TECH4ALL_REFUND_WINDOW_DAYS", 30, 0, 365)? as u32,
            },
            retention_months: ranged(&get, "TECH4ALL_RETENTION_MONTHS", 36, 1, 240)? as u32,
            sim_limit_per_resident: ranged(&get, "TECH4ALL_SIM_LIMIT_PER_RESIDENT", 1, 1, 10)? as i64,
            smtp_url: get("TECH4ALL_SMTP_URL"),
            smtp_from: get("TECH4ALL_SMTP_FROM").unwrap_or_else(|| "Tech4All <noreply@tech4all.invalid>".into()),
            notice_poll: Duration::from_secs(ranged(&get, "TECH4ALL_NOTICE_POLL_SECONDS", 5, 1, 3600)?),
            notice_senders: ranged(&get, "TECH4ALL_NOTICE_SENDERS", 4, 1, 64)? as usize,
            webhook_allow_private: parse(&get, "TECH4ALL_WEBHOOK_ALLOW_PRIVATE", Some(false))?,
            notify: match (get("TECH4ALL_NOTIFY_API_KEY"), get("TECH4ALL_NOTIFY_SMS_TEMPLATE_ID")) {
                (Some(api_key), Some(sms_template_id)) => Some(NotifySettings {
                    api_key,
                    sms_template_id,
                    letter_template_id: get("TECH4ALL_NOTIFY_LETTER_TEMPLATE_ID"),
                    base_url: get("TECH4ALL_NOTIFY_BASE_URL")
                        .unwrap_or_else(|| "https://api.notifications.service.gov.uk".into()),
                }),
                (None, None) => None,
                _ => {
                    return Err(ConfigError::new(
                        "TECH4ALL_NOTIFY_API_KEY",
                        "needs TECH4ALL_NOTIFY_SMS_TEMPLATE_ID with it (and the other way round)",
                    ));
                }
            },
        })
    }
}

fn parse<T: FromStr>(
    get: &impl Fn(&str) -> Option<String>,
    name: &'static str,
    default: Option<T>,
) -> Result<T, ConfigError> {
    match get(name) {
        Some(raw) => raw.trim().parse().map_err(|_| ConfigError::new(name, format!("cannot parse '{raw}'"))),
        None => default.ok_or_else(|| ConfigError::new(name, "is required")),
    }
}

fn ranged(
    get: &impl Fn(&str) -> Option<String>,
    name: &'static str,
    default: u64,
    min: u64,
    max: u64,
) -> Result<u64, ConfigError> {
    let value: u64 = parse(get, name, Some(default))?;
    if (min..=max).contains(&value) {
        Ok(value)
    } else {
        Err(ConfigError::new(name, format!("must be between {min} and {max}, got {value}")))
    }
}

/// Root keeps the cluster where the unprivileged `postgres` user can reach it; anyone else keeps
/// it in their own home, as other desktop-run services do.
fn default_data_dir() -> PathBuf {
    if nix::unistd::geteuid().is_root() {
        return PathBuf::from("/var/lib/tech4all");
    }
    if let Some(xdg) = std::env::var_os("XDG_DATA_HOME").filter(|v| !v.is_empty()) {
        return PathBuf::from(xdg).join("tech4all");
    }
    match std::env::var_os("HOME") {
        Some(home) => PathBuf::from(home).join(".local/share/tech4all"),
        None => PathBuf::from("tech4all-data"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn settings(vars: &[(&str, &str)]) -> Result<Settings, ConfigError> {
        let map: HashMap<String, String> = vars.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
        Settings::from_lookup(|k| map.get(k).cloned())
    }

    #[test]
    fn defaults_apply_when_nothing_is_set() {
        let s = settings(&[]).expect("defaults are valid");
        assert_eq!(s.bind.to_string(), "127.0.0.1:8080");
        assert_eq!(s.pool_timeout, Duration::from_secs(2));
        assert!(s.jwt_secret.is_none());
    }

    #[test]
    fn a_bad_value_names_its_variable() {
        let err = settings(&[("TECH4ALL_BIND", "not-an-address")]).expect_err("must fail");
        assert_eq!(err.variable, "TECH4ALL_BIND");
        let err = settings(&[("TECH4ALL_DB_POOL_SIZE", "0")]).expect_err("must fail");
        assert_eq!(err.variable, "TECH4ALL_DB_POOL_SIZE");
        let err = settings(&[("TECH4ALL_LOG_FORMAT", "xml")]).expect_err("must fail");
        assert_eq!(err.variable, "TECH4ALL_LOG_FORMAT");
    }

    #[test]
    fn notify_needs_its_key_and_template_together() {
        let err = settings(&[("TECH4ALL_NOTIFY_API_KEY", "key")]).expect_err("must fail");
        assert_eq!(err.variable, "TECH4ALL_NOTIFY_API_KEY");
        let both = settings(&[("TECH4ALL_NOTIFY_API_KEY", "k"), ("TECH4ALL_NOTIFY_SMS_TEMPLATE_ID", "t")]);
        assert_eq!(
            both.expect("valid").notify.map(|n| n.base_url).as_deref(),
            Some("https://api.notifications.service.gov.uk")
        );
    }

    #[test]
    fn a_short_jwt_secret_is_refused() {
        let err = settings(&[("TECH4ALL_JWT_SECRET", "short")]).expect_err("must fail");
        assert_eq!(err.variable, "TECH4ALL_JWT_SECRET");
        assert!(settings(&[("TECH4ALL_JWT_SECRET", &"x".repeat(32))]).is_ok());
    }
}
