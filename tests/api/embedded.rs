//! The embedded cluster: data survives a restart, a stale postmaster.pid is recovered from, a
//! cluster in use is not started twice, and the real binary serves, stops and restarts cleanly.

use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use diesel::Connection;
use diesel::pg::PgConnection;
use diesel::prelude::*;
use serde_json::json;

use tech4all::db::embedded::{ClusterOptions, EmbeddedPostgres};

fn scratch_dir() -> PathBuf {
    let dir = crate::helpers::test_root()
        .join(std::process::id().to_string())
        .join(format!("embedded-{}", uuid::Uuid::now_v7().simple()));
    std::fs::create_dir_all(&dir).expect("creates scratch dir");
    dir
}

fn options(data_dir: &std::path::Path) -> ClusterOptions {
    ClusterOptions { data_dir: data_dir.to_path_buf(), max_connections: 20, throwaway: false }
}

#[derive(QueryableByName)]
struct Note {
    #[diesel(sql_type = diesel::sql_types::Text)]
    body: String,
}

#[test]
fn data_survives_a_restart_and_a_stale_pid_file_is_recovered_from() {
    let dir = scratch_dir();
    {
        let pg = EmbeddedPostgres::start(&options(&dir)).expect("first start initialises");
        pg.ensure_database("keep").expect("creates database");
        let mut conn = PgConnection::establish(&pg.url("keep")).expect("connects");
        diesel::sql_query("CREATE TABLE IF NOT EXISTS notes (body text)").execute(&mut conn).expect("table");
        diesel::sql_query("INSERT INTO notes VALUES ('kept')").execute(&mut conn).expect("insert");
        assert!(
            EmbeddedPostgres::start(&options(&dir)).is_err(),
            "a cluster that is running is not started a second time"
        );
    }
    // Simulate a crash: a pid file naming a live process that is not PostgreSQL (this test).
    let pid_file = dir.join("postgres/postmaster.pid");
    std::fs::write(&pid_file, format!("{}\n{}\n", std::process::id(), dir.display())).expect("writes stale pid");
    let pg = EmbeddedPostgres::start(&options(&dir)).expect("restarts despite the stale pid file");
    let mut conn = PgConnection::establish(&pg.url("keep")).expect("connects");
    let notes: Vec<Note> = diesel::sql_query("SELECT body FROM notes").load(&mut conn).expect("reads");
    assert!(notes.iter().any(|n| n.body == "kept"), "data written before the restart is still there");
    drop(conn);
    drop(pg);
    let _ = std::fs::remove_dir_all(&dir);
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0").expect("binds").local_addr().expect("addr").port()
}

struct Service {
    child: std::process::Child,
    base: String,
}

impl Service {
    fn start(dir: &std::path::Path, port: u16) -> Self {
        let child = Command::new(env!("CARGO_BIN_EXE_tech4all"))
            .args(["serve", "--demo"])
            .env_remove("DATABASE_URL")
            .env("TECH4ALL_DATA_DIR", dir)
            .env("TECH4ALL_BIND", format!("127.0.0.1:{port}"))
            .env("TECH4ALL_JWT_SECRET", "a-test-secret-of-at-least-thirty-two-bytes")
            .env("RUST_LOG", "warn")
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("starts the service");
        Self { child, base: format!("http://127.0.0.1:{port}") }
    }

    async fn wait_ready(&self, client: &reqwest::Client) {
        let deadline = Instant::now() + Duration::from_secs(60);
        while Instant::now() < deadline {
            if let Ok(r) = client.get(format!("{}/health/ready", self.base)).send().await
                && r.status() == 200
            {
                return;
            }
            actix_web::rt::time::sleep(Duration::from_millis(100)).await;
        }
        panic!("service did not become ready");
    }

    fn stop(mut self) -> std::process::ExitStatus {
        nix::sys::signal::kill(nix::unistd::Pid::from_raw(self.child.id() as i32), nix::sys::signal::Signal::SIGTERM)
            .expect("signals");
        self.child.wait().expect("waits")
    }
}

async fn login(client: &reqwest::Client, base: &str, email: &str) -> String {
    let body: serde_json::Value = client
        .post(format!("{base}/api/v1/auth/login"))
        .json(&json!({"email": email, "password": "tech4all-demo"}))
        .send()
        .await
        .expect("sent")
        .json()
        .await
        .expect("json");
    body["access_token"].as_str().expect("token").to_owned()
}

#[actix_web::test]
async fn the_binary_serves_demo_data_stops_cleanly_and_keeps_data_across_restarts() {
    let dir = scratch_dir();
    let client = reqwest::Client::new();
    let port = free_port();

    let service = Service::start(&dir, port);
    service.wait_ready(&client).await;
    let admin = login(&client, &service.base, "admin@tech4all.test").await;
    let created = client
        .post(format!("{}/api/v1/hubs", service.base))
        .bearer_auth(&admin)
        .json(&json!({"name": "Made before restart", "kind": "popup"}))
        .send()
        .await
        .expect("sent");
    assert_eq!(created.status(), 201);
    let staff = login(&client, &service.base, "staff@tech4all.test").await;
    let me: serde_json::Value = client
        .get(format!("{}/api/v1/me", service.base))
        .bearer_auth(&staff)
        .send()
        .await
        .expect("sent")
        .json()
        .await
        .expect("json");
    assert_eq!(me["role"], "hub_staff");
    // The demo partner's printed API key works, and the partner sees its demo jobs.
    let token: serde_json::Value = client
        .post(format!("{}/api/v1/auth/token", service.base))
        .json(&json!({"api_key": "t4a_demoCCpartnr_DemoOnlyKeyForCommunityComputers"}))
        .send()
        .await
        .expect("sent")
        .json()
        .await
        .expect("json");
    let partner = token["access_token"].as_str().expect("token").to_owned();
    let jobs: serde_json::Value = client
        .get(format!("{}/api/v1/refurbishment-jobs", service.base))
        .bearer_auth(&partner)
        .send()
        .await
        .expect("sent")
        .json()
        .await
        .expect("json");
    let states: std::collections::BTreeSet<&str> =
        jobs["items"].as_array().expect("items").iter().filter_map(|j| j["status"].as_str()).collect();
    assert_eq!(
        states.into_iter().collect::<Vec<_>>(),
        ["assigned", "beyond_repair", "cancelled", "completed", "in_progress"]
    );
    assert!(service.stop().success(), "SIGTERM stops the service cleanly");
    assert!(!dir.join("postgres/postmaster.pid").exists(), "PostgreSQL was shut down with the service");

    let service = Service::start(&dir, port);
    service.wait_ready(&client).await;
    let admin = login(&client, &service.base, "admin@tech4all.test").await;
    let hubs: serde_json::Value = client
        .get(format!("{}/api/v1/hubs?q=before%20restart", service.base))
        .bearer_auth(&admin)
        .send()
        .await
        .expect("sent")
        .json()
        .await
        .expect("json");
    assert_eq!(hubs["items"].as_array().map(Vec::len), Some(1), "data survives the restart");
    assert!(service.stop().success());
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn migrations_started_by_several_instances_at_once_apply_once() {
    let url = crate::helpers::fresh_database();
    let mut conn = PgConnection::establish(&url).expect("connects");
    diesel::sql_query("DROP TABLE IF EXISTS __diesel_schema_migrations").execute(&mut conn).expect("drops");
    diesel::sql_query("DROP SCHEMA public CASCADE").execute(&mut conn).expect("drops schema");
    diesel::sql_query("CREATE SCHEMA public").execute(&mut conn).expect("creates schema");
    let handles: Vec<_> = (0..4)
        .map(|_| {
            let url = url.clone();
            std::thread::spawn(move || {
                let mut conn = PgConnection::establish(&url).expect("connects");
                tech4all::db::migrate::run_locked(&mut conn, |_| Ok(())).map(|(applied, ())| applied.len())
            })
        })
        .collect();
    let applied: Vec<usize> = handles.into_iter().map(|h| h.join().expect("joins").expect("migrates")).collect();
    assert_eq!(applied.iter().filter(|n| **n > 0).count(), 1, "exactly one instance applied them: {applied:?}");
}

#[test]
fn the_command_line_creates_users_and_applies_retention_against_database_url() {
    let url = crate::helpers::fresh_database();
    let run = |args: &[&str], stdin: Option<&str>| {
        let mut child = Command::new(env!("CARGO_BIN_EXE_tech4all"))
            .args(args)
            .env("DATABASE_URL", &url)
            .env("RUST_LOG", "warn")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("runs the binary");
        if let (Some(text), Some(mut pipe)) = (stdin, child.stdin.take()) {
            use std::io::Write;
            pipe.write_all(text.as_bytes()).expect("writes stdin");
        }
        let out = child.wait_with_output().expect("finishes");
        (
            out.status.success(),
            String::from_utf8_lossy(&out.stdout).into_owned(),
            String::from_utf8_lossy(&out.stderr).into_owned(),
        )
    };
    let (ok, stdout, _) = run(&["user", "create", "--email", "cli@example.org", "--role", "reporter"], None);
    assert!(
        ok && stdout.contains("created reporter user cli@example.org") && stdout.contains("password (shown once)"),
        "{stdout}"
    );
    let (ok, stdout, _) = run(
        &["user", "create", "--email", "pw@example.org", "--role", "admin", "--password-stdin"],
        Some("a long enough password\n"),
    );
    assert!(ok && !stdout.contains("password (shown once)"), "{stdout}");
    let (ok, _, stderr) =
        run(&["user", "create", "--email", "x@example.org", "--role", "hub_staff", "--hub", "No Such Hub"], None);
    assert!(!ok && stderr.contains("no hub named"), "{stderr}");
    let (ok, _, stderr) = run(&["user", "create", "--email", "cli@example.org", "--role", "reporter"], None);
    assert!(!ok && stderr.contains("already exists"), "{stderr}");
    let (ok, stdout, _) = run(&["retention", "apply", "--dry-run"], None);
    assert!(ok && stdout.contains("0 resident(s)"), "{stdout}");
    let (ok, stdout, _) = run(&["openapi"], None);
    assert!(ok && stdout.starts_with("openapi: 3.1"));
}
