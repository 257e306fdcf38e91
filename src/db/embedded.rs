//! A private PostgreSQL cluster run from the machine's server binaries, for when no
//! `DATABASE_URL` is set (and for the tests). The cluster lives in `<data dir>/postgres`, listens
//! only on a unix socket in `<data dir>/run` (no TCP at all), survives restarts, and is stopped
//! with a fast shutdown when this value is dropped. PostgreSQL refuses to run as root, so a root
//! process runs it as the unprivileged `postgres` user.

use std::fs;
use std::io::{BufRead, BufReader};
use std::os::unix::fs::PermissionsExt;
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use diesel::Connection;
use diesel::pg::PgConnection;
use diesel::prelude::*;
use nix::sys::signal::{Signal, kill};
use nix::unistd::{Gid, Pid, Uid, User};

/// Superuser created by `initdb`; local socket connections are trusted because only the cluster's
/// owner (and root) can enter the socket directory.
const SUPERUSER: &str = "tech4all";
const PORT: u16 = 5432;

#[derive(Debug, thiserror::Error)]
pub enum EmbeddedError {
    #[error(
        "no PostgreSQL server binaries found (looked for `initdb` and `postgres` on PATH and in \
         /usr/lib/postgresql/*/bin). Install them (Debian/Ubuntu: `apt-get install -y postgresql`; \
         Fedora: `dnf install postgresql-server`; macOS: `brew install postgresql`), or set \
         DATABASE_URL to an existing PostgreSQL server."
    )]
    NoBinaries,
    #[error(
        "running as root, but there is no unprivileged `postgres` user to run the database as. \
         Install PostgreSQL's server package (it creates that user), run as an ordinary user, or \
         set DATABASE_URL."
    )]
    NoPostgresUser,
    #[error("{0}")]
    Setup(String),
}

fn setup(message: impl Into<String>) -> EmbeddedError {
    EmbeddedError::Setup(message.into())
}

/// How to run the cluster.
#[derive(Debug, Clone)]
pub struct ClusterOptions {
    /// Folder holding `postgres/` (the cluster), `run/` (its socket) and `postgres.log`.
    pub data_dir: PathBuf,
    pub max_connections: u32,
    /// Trade durability for speed (fsync off): only for throwaway test clusters.
    pub throwaway: bool,
}

/// A running private cluster. Dropping it stops PostgreSQL.
pub struct EmbeddedPostgres {
    child: Option<Child>,
    socket_dir: PathBuf,
    cluster_dir: PathBuf,
}

struct RunAs {
    uid: Uid,
    gid: Gid,
    name: String,
}

impl EmbeddedPostgres {
    /// Initialises the cluster on first use, then starts it and waits until it accepts connections.
    pub fn start(options: &ClusterOptions) -> Result<Self, EmbeddedError> {
        Self::launch(options, None)
    }

    /// A hot standby streaming from `primary`: on first use a base backup of it (`pg_basebackup -R`),
    /// then started like any cluster. It answers reads and follows the primary (the replica the
    /// tests and benchmarks read reports from).
    pub fn start_standby(options: &ClusterOptions, primary: &EmbeddedPostgres) -> Result<Self, EmbeddedError> {
        Self::launch(options, Some(&primary.socket_dir))
    }

    fn launch(options: &ClusterOptions, standby_of: Option<&Path>) -> Result<Self, EmbeddedError> {
        let bin = find_binaries()?;
        let run_as = run_as_user()?;
        let data_dir = absolute(&options.data_dir)?;
        fs::create_dir_all(&data_dir)
            .map_err(|e| setup(format!("cannot create data folder {}: {e}", data_dir.display())))?;
        if let Some(run_as) = &run_as {
            check_reachable(&data_dir, &run_as.name)?;
        }
        let cluster_dir = data_dir.join("postgres");
        let socket_dir = data_dir.join("run");
        for dir in [&cluster_dir, &socket_dir] {
            fs::create_dir_all(dir).map_err(|e| setup(format!("cannot create {}: {e}", dir.display())))?;
            fs::set_permissions(dir, fs::Permissions::from_mode(0o700))
                .map_err(|e| setup(format!("cannot set permissions on {}: {e}", dir.display())))?;
            if let Some(run_as) = &run_as {
                nix::unistd::chown(dir.as_path(), Some(run_as.uid), Some(run_as.gid))
                    .map_err(|e| setup(format!("cannot hand {} to {}: {e}", dir.display(), run_as.name)))?;
            }
        }
        if socket_dir.as_os_str().len() + 20 > 107 {
            return Err(setup(format!(
                "the data folder path {} is too long for a unix socket; choose a shorter TECH4ALL_DATA_DIR",
                data_dir.display()
            )));
        }
        let log_path = data_dir.join("postgres.log");

        if !cluster_dir.join("PG_VERSION").exists() {
            let not_empty = fs::read_dir(&cluster_dir).map(|mut d| d.next().is_some()).unwrap_or(false);
            if not_empty {
                return Err(setup(format!(
                    "{} is not empty but holds no PostgreSQL cluster; move it away or choose another TECH4ALL_DATA_DIR",
                    cluster_dir.display()
                )));
            }
            match standby_of {
                None => init_cluster(&bin, &cluster_dir, run_as.as_ref(), &log_path)?,
                Some(primary) => base_backup(&bin, &cluster_dir, primary, run_as.as_ref())?,
            }
        }
        clear_stale_pid(&cluster_dir)?;

        let log = fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(&log_path)
            .map_err(|e| setup(format!("cannot open {}: {e}", log_path.display())))?;
        let log_err = log.try_clone().map_err(|e| setup(e.to_string()))?;
        if let Some(run_as) = &run_as {
            let _ = nix::unistd::chown(log_path.as_path(), Some(run_as.uid), Some(run_as.gid));
        }

        let mut cmd = Command::new(bin.join("postgres"));
        cmd.arg("-D")
            .arg(&cluster_dir)
            .args(["-c", "listen_addresses="])
            .arg("-c")
            .arg(format!("unix_socket_directories={}", socket_dir.display()))
            .arg("-c")
            .arg(format!("port={PORT}"))
            .arg("-c")
            .arg(format!("max_connections={}", options.max_connections))
            .args(["-c", "timezone=UTC"]);
        if options.throwaway {
            cmd.args(["-c", "fsync=off", "-c", "synchronous_commit=off", "-c", "full_page_writes=off"]);
        }
        cmd.current_dir(&cluster_dir)
            .stdin(Stdio::null())
            .stdout(log)
            .stderr(log_err)
            // Its own process group: a terminal's Ctrl-C reaches the service, which then stops
            // PostgreSQL in order, instead of both racing.
            .process_group(0);
        if let Some(run_as) = &run_as {
            cmd.uid(run_as.uid.as_raw()).gid(run_as.gid.as_raw()).env("HOME", &cluster_dir);
        }
        // SAFETY: only async-signal-safe calls (prctl, getppid) run between fork and exec.
        unsafe {
            cmd.pre_exec(|| {
                // If this process dies without stopping it (SIGKILL), PostgreSQL shuts down too.
                nix::sys::prctl::set_pdeathsig(Signal::SIGINT).map_err(std::io::Error::from)?;
                Ok(())
            });
        }
        let child = cmd.spawn().map_err(|e| setup(format!("cannot start {}: {e}", bin.join("postgres").display())))?;
        let mut cluster = Self { child: Some(child), socket_dir, cluster_dir };
        cluster.wait_until_ready(&log_path)?;
        Ok(cluster)
    }

    /// A libpq URL for `database` on this cluster.
    pub fn url(&self, database: &str) -> String {
        format!("postgres://{SUPERUSER}@/{database}?host={}&port={PORT}", self.socket_dir.display())
    }

    /// Creates `database` unless it already exists.
    pub fn ensure_database(&self, database: &str) -> Result<(), EmbeddedError> {
        let mut conn = PgConnection::establish(&self.url("postgres")).map_err(|e| setup(e.to_string()))?;
        #[derive(QueryableByName)]
        struct Found {
            #[diesel(sql_type = diesel::sql_types::Integer)]
            #[allow(dead_code)]
            one: i32,
        }
        let exists = diesel::sql_query("SELECT 1 AS one FROM pg_database WHERE datname = $1")
            .bind::<diesel::sql_types::Text, _>(database)
            .get_results::<Found>(&mut conn)
            .map_err(|e| setup(e.to_string()))?;
        if exists.is_empty() {
            diesel::sql_query(format!("CREATE DATABASE \"{}\"", database.replace('"', "")))
                .execute(&mut conn)
                .map_err(|e| setup(format!("cannot create database {database}: {e}")))?;
        }
        Ok(())
    }

    fn wait_until_ready(&mut self, log_path: &Path) -> Result<(), EmbeddedError> {
        let deadline = Instant::now() + Duration::from_secs(60);
        let url = self.url("postgres");
        loop {
            if let Some(child) = self.child.as_mut()
                && let Ok(Some(status)) = child.try_wait()
            {
                {
                    self.child = None;
                    return Err(setup(format!(
                        "PostgreSQL exited during start-up ({status}); its log {} ends with:\n{}",
                        log_path.display(),
                        tail(log_path, 15)
                    )));
                }
            }
            if PgConnection::establish(&url).is_ok() {
                return Ok(());
            }
            if Instant::now() > deadline {
                return Err(setup(format!(
                    "PostgreSQL did not accept connections within 60 s; see {}",
                    log_path.display()
                )));
            }
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    /// Fast shutdown: ends sessions, writes a checkpoint, exits. Waits up to 30 s.
    pub fn stop(&mut self) {
        let Some(mut child) = self.child.take() else { return };
        let pid = Pid::from_raw(child.id() as i32);
        let _ = kill(pid, Signal::SIGINT);
        let deadline = Instant::now() + Duration::from_secs(30);
        while Instant::now() < deadline {
            if let Ok(Some(_)) = child.try_wait() {
                tracing::info!(cluster = %self.cluster_dir.display(), "embedded PostgreSQL stopped");
                return;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        tracing::warn!("embedded PostgreSQL did not stop in time; sending SIGQUIT");
        let _ = kill(pid, Signal::SIGQUIT);
        let _ = child.wait();
    }
}

impl Drop for EmbeddedPostgres {
    fn drop(&mut self) {
        self.stop();
    }
}

/// The folder holding `initdb` and `postgres`: PATH first, then Debian's versioned folders
/// (newest version first).
fn find_binaries() -> Result<PathBuf, EmbeddedError> {
    find_binaries_in(std::env::var_os("PATH"), Path::new("/usr/lib/postgresql"))
}

fn find_binaries_in(path_var: Option<std::ffi::OsString>, versioned_root: &Path) -> Result<PathBuf, EmbeddedError> {
    let has_both = |dir: &Path| dir.join("initdb").is_file() && dir.join("postgres").is_file();
    if let Some(path) = path_var
        && let Some(dir) = std::env::split_paths(&path).find(|d| has_both(d))
    {
        return Ok(dir);
    }
    let mut versions: Vec<(u32, PathBuf)> = fs::read_dir(versioned_root)
        .into_iter()
        .flatten()
        .flatten()
        .filter_map(|entry| {
            let version = entry.file_name().to_str()?.parse::<u32>().ok()?;
            let bin = entry.path().join("bin");
            has_both(&bin).then_some((version, bin))
        })
        .collect();
    versions.sort();
    versions.pop().map(|(_, bin)| bin).ok_or(EmbeddedError::NoBinaries)
}

fn run_as_user() -> Result<Option<RunAs>, EmbeddedError> {
    if !nix::unistd::geteuid().is_root() {
        return Ok(None);
    }
    let user = User::from_name("postgres").ok().flatten().ok_or(EmbeddedError::NoPostgresUser)?;
    Ok(Some(RunAs { uid: user.uid, gid: user.gid, name: user.name }))
}

fn absolute(path: &Path) -> Result<PathBuf, EmbeddedError> {
    if path.is_absolute() {
        return Ok(path.to_path_buf());
    }
    std::env::current_dir()
        .map(|cwd| cwd.join(path))
        .map_err(|e| setup(format!("cannot resolve {}: {e}", path.display())))
}

/// The `postgres` user must be able to walk down to the data folder; a folder under a root-only
/// home is not reachable, and PostgreSQL's own error for that is obscure.
fn check_reachable(data_dir: &Path, user: &str) -> Result<(), EmbeddedError> {
    for ancestor in data_dir.ancestors().skip(1) {
        let Ok(meta) = fs::metadata(ancestor) else { continue };
        if meta.permissions().mode() & 0o001 == 0 {
            return Err(setup(format!(
                "the data folder {} is inside {}, which the `{user}` user that runs PostgreSQL cannot \
                 enter. Set TECH4ALL_DATA_DIR to a folder outside it (for example /var/lib/tech4all).",
                data_dir.display(),
                ancestor.display()
            )));
        }
    }
    Ok(())
}

fn init_cluster(bin: &Path, cluster_dir: &Path, run_as: Option<&RunAs>, log_path: &Path) -> Result<(), EmbeddedError> {
    let mut cmd = Command::new(bin.join("initdb"));
    cmd.arg("-D")
        .arg(cluster_dir)
        .args(["-U", SUPERUSER, "--auth=trust", "--encoding=UTF8", "--no-locale", "--no-sync"])
        .current_dir(cluster_dir)
        .stdin(Stdio::null());
    if let Some(run_as) = run_as {
        cmd.uid(run_as.uid.as_raw()).gid(run_as.gid.as_raw()).env("HOME", cluster_dir);
    }
    let output = cmd.output().map_err(|e| setup(format!("cannot run {}: {e}", bin.join("initdb").display())))?;
    let _ = fs::write(log_path, [&output.stdout[..], &output.stderr[..]].concat());
    if !output.status.success() {
        return Err(setup(format!(
            "initdb failed ({}): {}",
            output.status,
            String::from_utf8_lossy(&output.stderr).trim()
        )));
    }
    // `--no-sync` skips per-file fsync for speed; one sync of the whole folder makes it durable.
    nix::unistd::sync();
    Ok(())
}

/// A copy of the primary whose socket is in `primary`, set up to stream from it (`-R` writes
/// `standby.signal` and the connection settings).
fn base_backup(bin: &Path, cluster_dir: &Path, primary: &Path, run_as: Option<&RunAs>) -> Result<(), EmbeddedError> {
    let tool = sibling_tool(bin, "pg_basebackup");
    let mut cmd = Command::new(&tool);
    cmd.arg("-D")
        .arg(cluster_dir)
        .arg("-h")
        .arg(primary)
        .args(["-p", &PORT.to_string(), "-U", SUPERUSER, "-R", "-X", "stream", "--checkpoint=fast", "--no-sync"])
        .current_dir(cluster_dir)
        .stdin(Stdio::null());
    if let Some(run_as) = run_as {
        cmd.uid(run_as.uid.as_raw()).gid(run_as.gid.as_raw()).env("HOME", cluster_dir);
    }
    let output = cmd.output().map_err(|e| setup(format!("cannot run {}: {e}", bin.join("pg_basebackup").display())))?;
    if !output.status.success() {
        return Err(setup(format!(
            "pg_basebackup failed ({}): {}",
            output.status,
            String::from_utf8_lossy(&output.stderr).trim()
        )));
    }
    nix::unistd::sync();
    Ok(())
}

/// One of PostgreSQL's own tools: beside `postgres` in `bin`, or beside the file `bin/postgres`
/// links to (a PATH folder may hold links to the server binaries only).
fn sibling_tool(bin: &Path, name: &str) -> PathBuf {
    let direct = bin.join(name);
    if direct.is_file() {
        return direct;
    }
    fs::canonicalize(bin.join("postgres"))
        .ok()
        .and_then(|real| real.parent().map(|dir| dir.join(name)))
        .filter(|p| p.is_file())
        .unwrap_or(direct)
}

/// After a crash or power loss `postmaster.pid` remains. PostgreSQL would refuse to start if the
/// recorded pid now belongs to another live process, so remove the file unless that pid really is
/// a PostgreSQL server (in which case the cluster is in use and starting a second one is wrong).
fn clear_stale_pid(cluster_dir: &Path) -> Result<(), EmbeddedError> {
    let pid_file = cluster_dir.join("postmaster.pid");
    let Ok(file) = fs::File::open(&pid_file) else { return Ok(()) };
    let first = BufReader::new(file).lines().next().and_then(Result::ok).unwrap_or_default();
    let Ok(pid) = first.trim().parse::<i32>() else {
        return fs::remove_file(&pid_file).map_err(|e| setup(e.to_string()));
    };
    let alive = kill(Pid::from_raw(pid), None).is_ok();
    let is_postgres = fs::read_to_string(format!("/proc/{pid}/comm")).map(|c| c.trim() == "postgres").unwrap_or(false);
    if alive && is_postgres {
        return Err(setup(format!(
            "the database in {} is already in use by PostgreSQL process {pid} (is another tech4all running?)",
            cluster_dir.display()
        )));
    }
    tracing::warn!(pid, "removing stale postmaster.pid left by an earlier crash");
    fs::remove_file(&pid_file).map_err(|e| setup(format!("cannot remove stale {}: {e}", pid_file.display())))
}

fn tail(path: &Path, lines: usize) -> String {
    let text = fs::read_to_string(path).unwrap_or_default();
    let all: Vec<&str> = text.lines().collect();
    all[all.len().saturating_sub(lines)..].join("\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn without_server_binaries_the_error_says_how_to_get_them() {
        let empty = std::env::temp_dir().join(format!("t4a-no-pg-{}", std::process::id()));
        fs::create_dir_all(&empty).expect("creates dir");
        let err = find_binaries_in(Some(empty.clone().into_os_string()), &empty).expect_err("none there");
        let message = err.to_string();
        assert!(message.contains("apt-get install -y postgresql") && message.contains("DATABASE_URL"), "{message}");
        let _ = fs::remove_dir_all(&empty);
    }

    #[test]
    fn the_newest_versioned_folder_is_preferred() {
        let root = std::env::temp_dir().join(format!("t4a-pg-versions-{}", std::process::id()));
        for v in ["13", "15"] {
            let bin = root.join(v).join("bin");
            fs::create_dir_all(&bin).expect("creates dir");
            fs::write(bin.join("initdb"), "").expect("writes");
            fs::write(bin.join("postgres"), "").expect("writes");
        }
        let found = find_binaries_in(None, &root).expect("finds one");
        assert_eq!(found, root.join("15").join("bin"));
        let _ = fs::remove_dir_all(&root);
    }
}
