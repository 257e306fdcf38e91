//! The `tech4all` command line: `serve`, `migrate`, `seed-demo`, `user create`, `openapi`.

use std::io::Read;
use std::net::{SocketAddr, TcpListener};

use clap::{Parser, Subcommand};
use diesel::Connection;
use diesel::connection::SimpleConnection;
use diesel::pg::PgConnection;
use diesel::prelude::*;
use uuid::Uuid;

use crate::auth::{JwtKeys, Role};
use crate::config::{MIN_JWT_SECRET_BYTES, Settings};
use crate::db::embedded::{ClusterOptions, EmbeddedPostgres};
use crate::db::schema::{hubs, organisations};
use crate::db::{build_pool, migrate};
use crate::ids::SchemeId;
use crate::users::handlers::accounts::create_account;
use crate::users::models::CreateUser;
use crate::{Application, bootstrap, demo};

type CliResult = Result<(), Box<dyn std::error::Error>>;

#[derive(Parser)]
#[command(name = "tech4all", version, about = "Tech4All tracker: donated devices from donation to reuse")]
pub struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Run the HTTP service (migrates the database first)
    Serve {
        /// Load the demo data set and print demo credentials; generates a JWT secret if none is set
        #[arg(long)]
        demo: bool,
        /// Address to listen on (overrides TECH4ALL_BIND)
        #[arg(long, value_name = "ADDR")]
        bind: Option<SocketAddr>,
    },
    /// Apply pending database migrations and exit
    Migrate,
    /// Load the demo data set into the database and exit
    SeedDemo,
    /// Manage user accounts
    User {
        #[command(subcommand)]
        command: UserCommand,
    },
    /// Print the OpenAPI contract (openapi.yaml)
    Openapi,
    /// Send notices and webhooks without serving HTTP (every `serve` runs this worker too)
    Worker,
    /// Notices to residents
    Notices {
        #[command(subcommand)]
        command: NoticesCommand,
    },
    /// Data-protection retention (see docs/data-protection.md)
    Retention {
        #[command(subcommand)]
        command: RetentionCommand,
    },
}

#[derive(Subcommand)]
enum NoticesCommand {
    /// Queue what a day brings (loans due soon and overdue) in every active scheme, and send what is due
    Run {
        /// The moment to run as (RFC 3339); now if absent
        #[arg(long, value_name = "TIME")]
        as_of: Option<chrono::DateTime<chrono::Utc>>,
    },
}

#[derive(Subcommand)]
enum RetentionCommand {
    /// Erase residents with no activity for each scheme's retention period (or --months)
    Apply {
        /// Override the retention period for this run
        #[arg(long)]
        months: Option<u32>,
        /// Only this scheme (its code); every active scheme otherwise
        #[arg(long, value_name = "CODE")]
        scheme: Option<String>,
        /// Only count who would be erased
        #[arg(long)]
        dry_run: bool,
    },
}

#[derive(Subcommand)]
enum UserCommand {
    /// Create a user; prints a generated password unless --password-stdin is given
    Create {
        #[arg(long)]
        email: String,
        /// admin, hub_staff, partner, reporter, or platform_admin (who belongs to no scheme)
        #[arg(long)]
        role: Role,
        /// The scheme's code (the first scheme when omitted)
        #[arg(long, value_name = "CODE")]
        scheme: Option<String>,
        /// Name shown in the service (defaults to the email)
        #[arg(long)]
        name: Option<String>,
        /// Hub id or exact hub name (hub_staff; repeat for several hubs)
        #[arg(long = "hub", value_name = "HUB")]
        hubs: Vec<String>,
        /// Organisation id or exact name (partner)
        #[arg(long, value_name = "ORGANISATION")]
        organisation: Option<String>,
        /// Read the password from standard input instead of generating one
        #[arg(long)]
        password_stdin: bool,
    },
}

pub fn run() -> std::process::ExitCode {
    let cli = Cli::parse();
    let outcome = match cli.command {
        Command::Openapi => {
            print!("{}", crate::health::OPENAPI_YAML);
            Ok(())
        }
        command => Settings::from_env().map_err(Into::into).and_then(|settings| {
            if let Some(password) = &settings.admin_password {
                crate::auth::password::check_policy(password).map_err(|m| format!("TECH4ALL_ADMIN_PASSWORD: {m}"))?;
            }
            crate::http::telemetry::init(settings.log_format);
            dispatch(command, settings)
        }),
    };
    match outcome {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            std::process::ExitCode::FAILURE
        }
    }
}

fn dispatch(command: Command, settings: Settings) -> CliResult {
    match command {
        Command::Serve { demo, bind } => serve(settings, demo, bind),
        Command::Migrate => with_database(&settings, |conn| {
            let (applied, ()) = migrate::run_locked(conn, |_| Ok(()))?;
            println!("{} migration(s) applied", applied.len());
            Ok(())
        }),
        Command::SeedDemo => with_database(&settings, |conn| {
            migrate::run_locked(conn, |_| Ok(()))?;
            demo::seed(conn).map_err(|e| e.detail.clone())?;
            println!("demo data loaded");
            Ok(())
        }),
        Command::User { command } => user_command(&settings, command),
        Command::Retention { command: RetentionCommand::Apply { months, dry_run, scheme } } => {
            with_database(&settings, |conn| {
                migrate::run_locked(conn, |_| Ok(()))?;
                let schemes = match scheme {
                    Some(code) => vec![find_scheme(conn, &code)?],
                    None => crate::schemes::repo::active(conn)?,
                };
                for scheme in schemes {
                    crate::db::act_in_scheme(conn, scheme.id)?;
                    let months = months.unwrap_or(scheme.retention_months.max(1) as u32);
                    let code = scheme.code;
                    if dry_run {
                        let due = crate::residents::repo::due_for_erasure(conn, months)?;
                        println!("{code}: {} resident(s) inactive for {months} months would be erased", due.len());
                    } else {
                        let erased = crate::residents::repo::apply_retention(conn, months)?;
                        println!("{code}: {erased} resident(s) inactive for {months} months erased");
                    }
                    conn.batch_execute("RESET ROLE")?;
                }
                Ok(())
            })
        }
        Command::Worker => worker(&settings),
        Command::Notices { command: NoticesCommand::Run { as_of } } => {
            let db = open_database(&settings)?;
            let mut conn = PgConnection::establish(&db.url)?;
            migrate::run_locked(&mut conn, |_| Ok(()))?;
            let pool = build_pool(&db.url, &settings);
            let as_of = as_of.unwrap_or_else(chrono::Utc::now);
            let queued = crate::worker::pass(&pool, as_of)?;
            let senders = crate::worker::Outbound::from_settings(&settings)?;
            let mut claimed = 0;
            while let n @ 1.. = crate::worker::deliver_due(&pool, &senders, chrono::Utc::now())? {
                claimed += n;
            }
            println!("{queued} notice(s) queued as of {as_of}; {claimed} delivered or retried");
            Ok(())
        }
        Command::Openapi => Ok(()),
    }
}

/// The worker alone, until interrupted.
fn worker(settings: &Settings) -> CliResult {
    let db = open_database(settings)?;
    let mut conn = PgConnection::establish(&db.url)?;
    migrate::run_locked(&mut conn, |_| Ok(()))?;
    drop(conn);
    let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let handle = crate::worker::spawn(build_pool(&db.url, settings), settings, stop)?;
    println!("Tech4All worker running (notices and webhooks) (Ctrl-C to stop)");
    handle.join().map_err(|_| "the worker stopped unexpectedly")?;
    Ok(())
}

/// The database the service uses: `DATABASE_URL`, or the embedded cluster (kept running while
/// this value lives).
pub struct Database {
    pub url: String,
    _embedded: Option<EmbeddedPostgres>,
}

pub fn open_database(settings: &Settings) -> Result<Database, Box<dyn std::error::Error>> {
    if let Some(url) = &settings.database_url {
        return Ok(Database { url: url.clone(), _embedded: None });
    }
    let cluster = EmbeddedPostgres::start(&ClusterOptions {
        data_dir: settings.data_dir.clone(),
        max_connections: 100,
        throwaway: false,
    })?;
    cluster.ensure_database("tech4all")?;
    tracing::info!(data_dir = %settings.data_dir.display(), "embedded PostgreSQL running");
    Ok(Database { url: cluster.url("tech4all"), _embedded: Some(cluster) })
}

fn with_database(settings: &Settings, work: impl FnOnce(&mut PgConnection) -> CliResult) -> CliResult {
    let db = open_database(settings)?;
    let mut conn = PgConnection::establish(&db.url)?;
    work(&mut conn)
}

fn serve(mut settings: Settings, demo: bool, bind: Option<SocketAddr>) -> CliResult {
    if let Some(bind) = bind {
        settings.bind = bind;
    }
    let secret = match (&settings.jwt_secret, demo) {
        (Some(secret), _) => secret.clone(),
        (None, true) => {
            eprintln!(
                "note: TECH4ALL_JWT_SECRET is not set; --demo generated a random one, so tokens end when the service stops"
            );
            use rand::RngCore;
            let mut secret = vec![0u8; 48];
            rand::rng().fill_bytes(&mut secret);
            secret
        }
        (None, false) => {
            return Err(format!(
                "TECH4ALL_JWT_SECRET: is required (at least {MIN_JWT_SECRET_BYTES} bytes); for a trial run use `serve --demo`"
            )
            .into());
        }
    };
    let db = open_database(&settings)?;
    let mut conn = PgConnection::establish(&db.url)?;
    let (applied, announcement) =
        migrate::run_locked(&mut conn, |conn| bootstrap::first_start(conn, &settings, demo).map_err(Into::into))?;
    if !applied.is_empty() {
        tracing::info!(count = applied.len(), "migrations applied");
    }
    if let Some(text) = announcement {
        println!("{text}");
    }
    if demo {
        demo::seed(&mut conn).map_err(|e| e.detail.clone())?;
        println!("{}", demo::credentials(&settings.admin_email));
    }
    drop(conn);
    let listener = TcpListener::bind(settings.bind)
        .map_err(|e| format!("TECH4ALL_BIND: cannot listen on {}: {e}", settings.bind))?;
    let pool = build_pool(&db.url, &settings);
    let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let notices = crate::worker::spawn(pool.clone(), &settings, stop.clone())?;
    let keys = JwtKeys::new(&secret, settings.token_ttl);
    let bind = settings.bind;
    let system = actix_web::rt::System::new();
    let app = system.block_on(async { Application::build(settings, pool, keys, listener, None) })?;
    println!("Tech4All tracker listening on http://{bind} (Ctrl-C to stop)");
    system.block_on(app.run_until_stopped())?;
    tracing::info!("HTTP server stopped");
    stop.store(true, std::sync::atomic::Ordering::Relaxed);
    drop(notices);
    drop(db);
    Ok(())
}

/// The scheme with this code.
fn find_scheme(
    conn: &mut PgConnection,
    code: &str,
) -> Result<crate::schemes::models::SchemeRow, Box<dyn std::error::Error>> {
    crate::schemes::repo::find_by_code(conn, code)?.ok_or_else(|| format!("no scheme with the code '{code}'").into())
}

/// A hub or organisation given as an id or as its exact (case-insensitive) name.
fn resolve(conn: &mut PgConnection, what: &str, raw: &str) -> Result<Uuid, Box<dyn std::error::Error>> {
    if let Ok(id) = Uuid::parse_str(raw) {
        return Ok(id);
    }
    let lowered = raw.trim().to_lowercase();
    let found: Option<Uuid> = match what {
        "hub" => hubs::table
            .filter(
                diesel::dsl::sql::<diesel::sql_types::Bool>("lower(name) = ")
                    .bind::<diesel::sql_types::Text, _>(lowered),
            )
            .select(hubs::id)
            .first(conn)
            .optional()?,
        _ => organisations::table
            .filter(
                diesel::dsl::sql::<diesel::sql_types::Bool>("lower(name) = ")
                    .bind::<diesel::sql_types::Text, _>(lowered),
            )
            .select(organisations::id)
            .first(conn)
            .optional()?,
    };
    found.ok_or_else(|| format!("no {what} named '{raw}'").into())
}

fn user_command(settings: &Settings, command: UserCommand) -> CliResult {
    let UserCommand::Create { email, role, scheme, name, hubs, organisation, password_stdin } = command;
    with_database(settings, |conn| {
        migrate::run_locked(conn, |_| Ok(()))?;
        let scheme = match (role, scheme) {
            (Role::PlatformAdmin, None) => SchemeId::PLATFORM,
            (Role::PlatformAdmin, Some(_)) => {
                return Err("a platform_admin belongs to no scheme; leave out --scheme".into());
            }
            (_, Some(code)) => find_scheme(conn, &code)?.id,
            (_, None) => SchemeId::FIRST,
        };
        crate::db::act_in_scheme(conn, scheme)?;
        let hub_ids = hubs.iter().map(|h| resolve(conn, "hub", h)).collect::<Result<Vec<_>, _>>()?;
        let organisation_id = organisation.as_deref().map(|o| resolve(conn, "organisation", o)).transpose()?;
        let (password, generated) = if password_stdin {
            let mut text = String::new();
            std::io::stdin().read_to_string(&mut text)?;
            (text.trim_end_matches(['\n', '\r']).to_owned(), false)
        } else {
            (crate::auth::password::generate(), true)
        };
        let user = create_account(
            conn,
            CreateUser {
                display_name: name.unwrap_or_else(|| email.clone()),
                email,
                role,
                password: Some(password.clone()),
                hub_ids: hub_ids.into_iter().map(Into::into).collect(),
                organisation_id: organisation_id.map(Into::into),
            },
        )
        .map_err(|e| {
            let fields: Vec<String> = e.errors.iter().map(|f| format!("{}: {}", f.field, f.message)).collect();
            if fields.is_empty() { e.detail.clone() } else { fields.join("; ") }
        })?;
        println!("created {} user {} ({})", user.role, user.email, user.id);
        if generated {
            println!("password (shown once): {password}");
        }
        Ok(())
    })
}
