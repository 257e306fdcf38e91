//! The test harness: one throwaway PostgreSQL cluster per test process, a migrated template
//! database, and for each test a fresh database cloned from it and the service on a free port.

use std::net::TcpListener;
use std::path::PathBuf;
use std::sync::{Mutex, OnceLock, mpsc};

use diesel::pg::PgConnection;
use diesel::prelude::*;
use reqwest::{Method, Response, StatusCode};
use serde_json::{Value, json};
use uuid::Uuid;

use tech4all::Application;
use tech4all::auth::{JwtKeys, Role};
use tech4all::config::Settings;
use tech4all::db::embedded::{ClusterOptions, EmbeddedPostgres};
use tech4all::db::{Pool, build_pool, migrate};
use tech4all::users::handlers::accounts::create_account;
use tech4all::users::models::CreateUser;

pub const JWT_SECRET: &[u8] = b"test-secret-that-is-at-least-32-bytes-long";
pub const PASSWORD: &str = "correct horse battery";
const TEMPLATE: &str = "t4a_template";

struct Cluster {
    base_url: String,
    admin: Mutex<PgConnection>,
}

/// URL of `database` on the test cluster.
fn url_for(base: &str, database: &str) -> String {
    base.replacen("/postgres?", &format!("/{database}?"), 1)
}

fn cluster() -> &'static Cluster {
    static CLUSTER: OnceLock<Cluster> = OnceLock::new();
    CLUSTER.get_or_init(|| {
        let root = test_root();
        remove_stale_clusters(&root);
        let data_dir = root.join(std::process::id().to_string());
        let (tx, rx) = mpsc::channel();
        // PostgreSQL is told to stop when the thread that started it ends, so start it from a
        // thread that lives as long as the test process.
        std::thread::spawn(move || {
            let started = EmbeddedPostgres::start(&ClusterOptions { data_dir, max_connections: 300, throwaway: true });
            match started {
                Ok(pg) => {
                    let _ = tx.send(Ok(pg.url("postgres")));
                    loop {
                        std::thread::park();
                    }
                }
                Err(e) => {
                    let _ = tx.send(Err(e.to_string()));
                }
            }
        });
        let base_url = rx.recv().expect("cluster thread answered").expect("test cluster started");
        let mut admin = PgConnection::establish(&base_url).expect("connects to test cluster");
        diesel::sql_query(format!("CREATE DATABASE {TEMPLATE}")).execute(&mut admin).expect("creates template");
        let mut template = PgConnection::establish(&url_for(&base_url, TEMPLATE)).expect("connects to template");
        migrate::run_locked(&mut template, |_| Ok(())).expect("migrates template");
        drop(template);
        Cluster { base_url, admin: Mutex::new(admin) }
    })
}

/// Scratch space for this user's test clusters (per user, so root and other users never share it).
pub fn test_root() -> PathBuf {
    PathBuf::from(format!("/tmp/tech4all-tests-{}", nix::unistd::geteuid()))
}

/// Folders of test processes that are gone.
fn remove_stale_clusters(root: &std::path::Path) {
    let _ = std::fs::create_dir_all(root);
    for entry in std::fs::read_dir(root).into_iter().flatten().flatten() {
        let alive = entry
            .file_name()
            .to_str()
            .and_then(|n| n.parse::<i32>().ok())
            .is_some_and(|pid| std::path::Path::new(&format!("/proc/{pid}")).exists());
        if !alive {
            let _ = std::fs::remove_dir_all(entry.path());
        }
    }
}

/// A new, empty database for one test (no migrations run).
pub fn empty_database() -> String {
    let cluster = cluster();
    let name = format!("t_{}", Uuid::now_v7().simple());
    let mut admin = cluster.admin.lock().unwrap_or_else(|p| p.into_inner());
    diesel::sql_query(format!("CREATE DATABASE {name}")).execute(&mut *admin).expect("creates a database");
    url_for(&cluster.base_url, &name)
}

/// A fresh, migrated database for one test.
pub fn fresh_database() -> String {
    let cluster = cluster();
    let name = format!("t_{}", Uuid::now_v7().simple());
    let mut admin = cluster.admin.lock().unwrap_or_else(|p| p.into_inner());
    diesel::sql_query(format!("CREATE DATABASE {name} TEMPLATE {TEMPLATE}"))
        .execute(&mut *admin)
        .expect("clones template");
    url_for(&cluster.base_url, &name)
}

pub fn test_settings() -> Settings {
    let mut settings = Settings::from_lookup(|_| None).expect("default settings");
    settings.jwt_secret = Some(JWT_SECRET.to_vec());
    settings.pool_size = 8;
    settings
}

pub struct TestApp {
    pub address: String,
    pub db_url: String,
    pub pool: Pool,
    pub client: reqwest::Client,
}

pub struct TestUser {
    pub id: Uuid,
    pub email: String,
    pub token: String,
}

impl TestApp {
    pub async fn spawn() -> Self {
        Self::spawn_with(|_| {}).await
    }

    pub async fn spawn_with(customise: impl FnOnce(&mut Settings)) -> Self {
        let mut settings = test_settings();
        customise(&mut settings);
        Self::spawn_on(fresh_database(), settings).await
    }

    /// The service on an existing database (already migrated and bootstrapped).
    pub async fn spawn_on(db_url: String, settings: Settings) -> Self {
        let pool = build_pool(&db_url, &settings);
        let keys = JwtKeys::new(JWT_SECRET, settings.token_ttl);
        let listener = TcpListener::bind("127.0.0.1:0").expect("binds a free port");
        let app = Application::build(settings, pool.clone(), keys, listener, Some(1)).expect("builds app");
        let address = format!("http://127.0.0.1:{}", app.port());
        actix_web::rt::spawn(app.run_until_stopped());
        // Idle connections are dropped before the service's keep-alive (5 s) would close them, so
        // a request after a long pause never lands on a connection the server is closing.
        let client = reqwest::Client::builder()
            .pool_idle_timeout(std::time::Duration::from_secs(2))
            .build()
            .expect("builds the HTTP client");
        Self { address, db_url, pool, client }
    }

    /// A second, independent instance of the service (its own pool and workers) on the same
    /// database, as behind a load balancer; returns its address.
    pub fn another_instance(&self) -> String {
        let settings = test_settings();
        let pool = build_pool(&self.db_url, &settings);
        let keys = JwtKeys::new(JWT_SECRET, settings.token_ttl);
        let listener = TcpListener::bind("127.0.0.1:0").expect("binds a free port");
        let app = Application::build(settings, pool, keys, listener, Some(1)).expect("builds app");
        let address = format!("http://127.0.0.1:{}", app.port());
        actix_web::rt::spawn(app.run_until_stopped());
        address
    }

    /// A connection as the database's owner (row-level security does not apply to it), in the
    /// first scheme: rows it inserts belong to that scheme.
    pub fn conn(&self) -> PgConnection {
        self.conn_in(tech4all::ids::SchemeId::FIRST)
    }

    /// A connection as the database's owner, in `scheme`.
    pub fn conn_in(&self, scheme: tech4all::ids::SchemeId) -> PgConnection {
        let mut conn = PgConnection::establish(&self.db_url).expect("connects to the test database");
        tech4all::db::enter_scheme(&mut conn, scheme).expect("enters the scheme");
        conn
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{}", self.address, path)
    }

    /// Creates an account directly in the database.
    pub fn create_account(&self, role: Role, hub_ids: Vec<Uuid>, organisation_id: Option<Uuid>) -> (Uuid, String) {
        let email = format!("{}-{}@example.org", role.as_str().replace('_', "-"), Uuid::now_v7().simple());
        let mut conn = self.conn();
        if role == Role::PlatformAdmin {
            tech4all::db::enter_scheme(&mut conn, tech4all::ids::SchemeId::PLATFORM).expect("enters the platform");
        }
        let user = create_account(
            &mut conn,
            CreateUser {
                email: email.clone(),
                display_name: format!("Test {role}"),
                role,
                password: Some(PASSWORD.into()),
                hub_ids: hub_ids.into_iter().map(Into::into).collect(),
                organisation_id: organisation_id.map(Into::into),
            },
        )
        .expect("creates account");
        (user.id.uuid(), email)
    }

    /// An account of `role`, signed in.
    pub async fn user(&self, role: Role) -> TestUser {
        let (hubs, org) = match role {
            Role::HubStaff => (vec![self.insert_hub("Staff hub")], None),
            Role::Partner => (vec![], Some(self.insert_organisation("Partner org"))),
            _ => (vec![], None),
        };
        self.user_with(role, hubs, org).await
    }

    pub async fn user_with(&self, role: Role, hubs: Vec<Uuid>, org: Option<Uuid>) -> TestUser {
        let (id, email) = self.create_account(role, hubs, org);
        let token = self.login(&email, PASSWORD).await;
        TestUser { id, email, token }
    }

    pub async fn admin(&self) -> TestUser {
        self.user(Role::Admin).await
    }

    pub async fn login(&self, email: &str, password: &str) -> String {
        let response = self.post_json("/api/v1/auth/login", None, &json!({"email": email, "password": password})).await;
        assert_eq!(response.status(), StatusCode::OK, "login of {email} should succeed");
        let body: Value = response.json().await.expect("json");
        body["access_token"].as_str().expect("token").to_owned()
    }

    pub fn insert_hub(&self, name: &str) -> Uuid {
        use tech4all::db::schema::hubs;
        let id = Uuid::now_v7();
        diesel::insert_into(hubs::table)
            .values((hubs::id.eq(id), hubs::name.eq(format!("{name} {}", id.simple())), hubs::kind.eq("library")))
            .execute(&mut self.conn())
            .expect("inserts hub");
        id
    }

    pub fn insert_organisation(&self, name: &str) -> Uuid {
        use tech4all::db::schema::organisations;
        let id = Uuid::now_v7();
        diesel::insert_into(organisations::table)
            .values((
                organisations::id.eq(id),
                organisations::name.eq(format!("{name} {}", id.simple())),
                organisations::roles.eq(vec!["donor".to_owned(), "refurbisher".to_owned(), "recycler".to_owned()]),
            ))
            .execute(&mut self.conn())
            .expect("inserts organisation");
        id
    }

    pub fn request(&self, method: Method, path: &str, token: Option<&str>) -> reqwest::RequestBuilder {
        let builder = self.client.request(method, self.url(path));
        match token {
            Some(t) => builder.bearer_auth(t),
            None => builder,
        }
    }

    pub async fn get(&self, path: &str, token: Option<&str>) -> Response {
        self.request(Method::GET, path, token).send().await.expect("request sent")
    }

    pub async fn post_json(&self, path: &str, token: Option<&str>, body: &Value) -> Response {
        self.request(Method::POST, path, token).json(body).send().await.expect("request sent")
    }

    pub async fn patch_json(&self, path: &str, token: Option<&str>, if_match: Option<&str>, body: &Value) -> Response {
        let mut builder = self.request(Method::PATCH, path, token).json(body);
        if let Some(tag) = if_match {
            builder = builder.header("if-match", tag);
        }
        builder.send().await.expect("request sent")
    }
}

/// Asserts a problem+json response with `status`, returning its body.
pub async fn assert_problem(response: Response, status: u16) -> Value {
    assert_eq!(response.status().as_u16(), status, "unexpected status for {}", response.url());
    let content_type =
        response.headers().get("content-type").and_then(|v| v.to_str().ok()).unwrap_or_default().to_owned();
    assert_eq!(content_type, "application/problem+json");
    let body: Value = response.json().await.expect("problem body is JSON");
    assert_eq!(body["status"], status);
    assert!(body["type"].as_str().is_some_and(|t| t.starts_with("/problems/")), "type in {body}");
    assert!(body["title"].is_string() && body["detail"].is_string(), "title/detail in {body}");
    body
}

pub async fn json_ok(response: Response) -> Value {
    let status = response.status();
    let body: Value = response.json().await.expect("JSON body");
    assert!(status.is_success(), "expected success, got {status}: {body}");
    body
}

impl TestApp {
    /// A refurbished laptop of 1.6 kg, wiped and ready at `hub`.
    pub fn ready_device(&self, hub: Uuid) -> Uuid {
        self.ready_device_of(hub, "laptop", Some(1600))
    }

    /// A refurbished device, wiped and ready at `hub` (written straight to the database, through
    /// the same wipe-gate trigger the service meets).
    pub fn ready_device_of(&self, hub: Uuid, category: &str, weight_g: Option<i32>) -> Uuid {
        self.ready_device_in(tech4all::ids::SchemeId::FIRST, hub, category, weight_g)
    }

    /// A refurbished device, wiped and ready at `hub` of `scheme`.
    pub fn ready_device_in(
        &self,
        scheme: tech4all::ids::SchemeId,
        hub: Uuid,
        category: &str,
        weight_g: Option<i32>,
    ) -> Uuid {
        use tech4all::db::schema::{devices, organisations, refurbishment_jobs, wipe_records};
        let mut conn = self.conn_in(scheme);
        let device = Uuid::now_v7();
        diesel::insert_into(devices::table)
            .values((
                devices::id.eq(device),
                devices::serial_number.eq(format!("RD{}", device.simple())),
                devices::make.eq("Dell"),
                devices::model.eq("Latitude 5490"),
                devices::category.eq(category),
                devices::weight_g.eq(weight_g),
                devices::hub_id.eq(hub),
            ))
            .execute(&mut conn)
            .expect("inserts device");
        let org = Uuid::now_v7();
        diesel::insert_into(organisations::table)
            .values((
                organisations::id.eq(org),
                organisations::name.eq(format!("Refurb {}", org.simple())),
                organisations::roles.eq(vec!["refurbisher".to_owned()]),
            ))
            .execute(&mut conn)
            .expect("inserts refurbisher");
        let job = Uuid::now_v7();
        diesel::insert_into(refurbishment_jobs::table)
            .values((
                refurbishment_jobs::id.eq(job),
                refurbishment_jobs::device_id.eq(device),
                refurbishment_jobs::refurbisher_id.eq(org),
                refurbishment_jobs::status.eq("completed"),
                refurbishment_jobs::grade.eq("A"),
                refurbishment_jobs::functional_result.eq("passed"),
            ))
            .execute(&mut conn)
            .expect("inserts job");
        diesel::insert_into(wipe_records::table)
            .values((
                wipe_records::id.eq(Uuid::now_v7()),
                wipe_records::job_id.eq(job),
                wipe_records::device_id.eq(device),
                wipe_records::level.eq("purge"),
                wipe_records::method.eq("nvme_sanitize"),
                wipe_records::tool.eq("test"),
                wipe_records::verified.eq(true),
                wipe_records::operator_name.eq("test"),
                wipe_records::performed_at.eq(chrono::Utc::now()),
            ))
            .execute(&mut conn)
            .expect("inserts wipe");
        diesel::update(devices::table.find(device))
            .set(devices::status.eq("ready"))
            .execute(&mut conn)
            .expect("makes ready");
        device
    }

    /// A registered resident; returns its id.
    pub async fn resident(&self, token: &str, name: &str) -> Uuid {
        let body = json!({"name": name, "postcode": "M32 0TH", "phone": "0161 912 2000", "email": "resident@example.org", "eligibility": "universal_credit", "contact_consent": true});
        let response = self.post_json("/api/v1/residents", Some(token), &body).await;
        assert_eq!(response.status(), 201, "registers {name}");
        let body: Value = response.json().await.expect("json");
        body["id"].as_str().and_then(|id| id.parse().ok()).expect("id")
    }
}
