//! Load generator for the benchmarks in `bench/`: a closed loop of `--connections` clients, each
//! sending its next request when the last one answered, for `--seconds` or until its pool of work
//! runs out. Prints one `RESULT` line: requests, requests/s, p50/p99 latency, errors.
//!
//!   cargo run --release --example loadgen -- --base http://127.0.0.1:8080 --token "$T" \
//!     --scenario checkout --pool pairs.txt --connections 32 --seconds 20
//!
//! Scenarios and the pool file each reads (one item per line):
//! - `device-by-id`: device ids; `GET /api/v1/devices/{id}`.
//! - `device-list`: hub ids; `GET /api/v1/devices?status=ready&hub_id=…&limit=50`.
//! - `checkout`: `device_id,resident_id` pairs; lend (`POST /api/v1/loans`) then return
//!   (`POST /api/v1/loans/{id}/return`), and the pair goes back in the pool.
//! - `sale`: `device_id,resident_id` pairs, each used once; `POST /api/v1/sales`.
//! - `sim`: `resident_id,hub_id`, each used once; `POST /api/v1/sim-allocations` for the next O2 SIM
//!   at the resident's hub.
//! - `import`: `donor_id,hub_id`; a donation (`POST /api/v1/donations`) and a 20-row JSON
//!   manifest into it (`POST /api/v1/donations/{id}/devices`), serial numbers unique to the run.
//! - `report`: no pool; `GET /api/v1/reports/sustainability`.
//! - `mixed`: all of the above files (`--pool` a folder with `ids.txt`, `hubs.txt`, `pairs.txt`,
//!   `sale-pairs.txt`, `sim-residents.txt`, `donors.txt`), picked in a fixed proportion; for the soak.

use std::collections::VecDeque;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use clap::Parser;
use serde_json::{Value, json};
use tokio::sync::Mutex;

#[derive(Parser, Debug, Clone)]
struct Args {
    #[arg(long, default_value = "http://127.0.0.1:8080")]
    base: String,
    #[arg(long)]
    token: String,
    #[arg(long)]
    scenario: String,
    #[arg(long, default_value = "")]
    pool: String,
    #[arg(long, default_value_t = 32)]
    connections: usize,
    #[arg(long, default_value_t = 20)]
    seconds: u64,
    /// Also print a `SECOND` line per second of the run with its answers by kind (for the fault
    /// scripts: when requests failed, how, and when they recovered).
    #[arg(long)]
    timeline: bool,
}

type Pool = Arc<Mutex<VecDeque<String>>>;

struct Pools {
    ids: Pool,
    hubs: Pool,
    pairs: Pool,
    sale_pairs: Pool,
    sim_residents: Pool,
    donors: Pool,
}

/// Rows in each manifest of the `import` scenario.
const IMPORT_ROWS: u64 = 20;

/// Answers in one second of the run: success, 503, other 4xx, other 5xx, no answer.
type Second = [AtomicU64; 5];

#[derive(Default)]
struct Tally {
    requests: AtomicU64,
    errors: AtomicU64,
    non2xx: AtomicU64,
    server_errors: AtomicU64,
    /// 503s, those without `Retry-After`, and the slowest in microseconds.
    unavailable: AtomicU64,
    unavailable_without_retry_after: AtomicU64,
    slowest_unavailable_us: AtomicU64,
    seconds: Vec<Second>,
    started: Option<Instant>,
}

impl Tally {
    fn count(&self, kind: usize) {
        let Some(started) = self.started else { return };
        if let Some(second) = self.seconds.get(started.elapsed().as_secs() as usize) {
            second[kind].fetch_add(1, Ordering::Relaxed);
        }
    }
}

fn read_pool(path: &str) -> Pool {
    let text = std::fs::read_to_string(path).unwrap_or_default();
    Arc::new(Mutex::new(text.lines().filter(|l| !l.trim().is_empty()).map(str::to_owned).collect()))
}

async fn take(pool: &Pool) -> Option<String> {
    pool.lock().await.pop_front()
}

async fn give_back(pool: &Pool, item: String) {
    pool.lock().await.push_back(item);
}

struct Client {
    http: reqwest::Client,
    base: String,
    token: String,
    tally: Arc<Tally>,
    latencies: Vec<u32>,
    /// Unique to this run, for the serial numbers the `import` scenario makes up.
    run: u128,
}

impl Client {
    /// One request; records its latency and outcome, returns the body of a success (parsed only
    /// when `parse`, so that the client spends no more of the machine than it must).
    async fn call(&mut self, method: reqwest::Method, path: &str, body: Option<Value>, parse: bool) -> Option<Value> {
        let mut request = self.http.request(method, format!("{}{path}", self.base)).bearer_auth(&self.token);
        if let Some(body) = body {
            request = request.json(&body);
        }
        let started = Instant::now();
        let outcome = request.send().await;
        let elapsed = started.elapsed();
        self.tally.requests.fetch_add(1, Ordering::Relaxed);
        self.latencies.push(elapsed.as_micros().min(u128::from(u32::MAX)) as u32);
        match outcome {
            Ok(response) if response.status().is_success() => {
                self.tally.count(0);
                if parse {
                    return response.json().await.ok().or(Some(Value::Null));
                }
                let _ = response.bytes().await;
                Some(Value::Null)
            }
            Ok(response) => {
                self.tally.non2xx.fetch_add(1, Ordering::Relaxed);
                let status = response.status();
                if status == reqwest::StatusCode::SERVICE_UNAVAILABLE {
                    self.tally.count(1);
                    self.tally.unavailable.fetch_add(1, Ordering::Relaxed);
                    self.tally.slowest_unavailable_us.fetch_max(elapsed.as_micros() as u64, Ordering::Relaxed);
                    if !response.headers().contains_key(reqwest::header::RETRY_AFTER) {
                        self.tally.unavailable_without_retry_after.fetch_add(1, Ordering::Relaxed);
                    }
                } else if status.is_server_error() {
                    self.tally.count(3);
                    self.tally.server_errors.fetch_add(1, Ordering::Relaxed);
                } else {
                    self.tally.count(2);
                }
                // Every server error but 503, and a sample of refusals, for the run's log.
                let other_server_error = status.is_server_error() && status != reqwest::StatusCode::SERVICE_UNAVAILABLE;
                if other_server_error || self.tally.non2xx.load(Ordering::Relaxed) <= 3 {
                    eprintln!("{status} {path}: {}", response.text().await.unwrap_or_default());
                }
                None
            }
            Err(e) => {
                self.tally.count(4);
                self.tally.errors.fetch_add(1, Ordering::Relaxed);
                eprintln!("{path}: {e}");
                None
            }
        }
    }

    /// One unit of the scenario's work; false when its pool has run out.
    async fn step(&mut self, scenario: &str, pools: &Pools, n: u64) -> bool {
        use reqwest::Method;
        match scenario {
            "device-by-id" => match take(&pools.ids).await {
                Some(id) => {
                    self.call(Method::GET, &format!("/api/v1/devices/{id}"), None, false).await;
                    give_back(&pools.ids, id).await;
                    true
                }
                None => false,
            },
            "device-list" => match take(&pools.hubs).await {
                Some(hub) => {
                    self.call(Method::GET, &format!("/api/v1/devices?status=ready&hub_id={hub}&limit=50"), None, false)
                        .await;
                    give_back(&pools.hubs, hub).await;
                    true
                }
                None => false,
            },
            "checkout" => match take(&pools.pairs).await {
                Some(pair) => {
                    let (device, resident) = pair.split_once(',').unwrap_or_default();
                    let lent = self
                        .call(
                            Method::POST,
                            "/api/v1/loans",
                            Some(json!({"device_id": device, "resident_id": resident})),
                            true,
                        )
                        .await;
                    if let Some(id) = lent.as_ref().and_then(|l| l["id"].as_str()) {
                        let path = format!("/api/v1/loans/{id}/return");
                        self.call(Method::POST, &path, Some(json!({"condition": "ok"})), false).await;
                    }
                    give_back(&pools.pairs, pair).await;
                    true
                }
                None => false,
            },
            "sale" => match take(&pools.sale_pairs).await {
                Some(pair) => {
                    let (device, resident) = pair.split_once(',').unwrap_or_default();
                    let body = json!({"device_id": device, "resident_id": resident, "payment_method": "cash"});
                    self.call(Method::POST, "/api/v1/sales", Some(body), false).await;
                    true
                }
                None => false,
            },
            "sim" => match take(&pools.sim_residents).await {
                Some(line) => {
                    let (resident, hub) = line.split_once(',').unwrap_or_default();
                    let body = json!({"resident_id": resident, "network": "O2", "hub_id": hub});
                    self.call(Method::POST, "/api/v1/sim-allocations", Some(body), false).await;
                    true
                }
                None => false,
            },
            "import" => match take(&pools.donors).await {
                Some(line) => {
                    let (donor, hub) = line.split_once(',').unwrap_or_default();
                    let today = chrono::Utc::now().date_naive().to_string();
                    let body = json!({"donor_id": donor, "hub_id": hub, "received_on": today});
                    let donation = self.call(Method::POST, "/api/v1/donations", Some(body), true).await;
                    if let Some(id) = donation.as_ref().and_then(|d| d["id"].as_str()) {
                        let rows: Vec<Value> = (0..IMPORT_ROWS)
                            .map(|i| {
                                json!({
                                    "serial_number": format!("IMP{}-{n}-{i}", self.run),
                                    "make": "Lenovo",
                                    "model": "ThinkPad T480",
                                    "category": if i % 4 == 0 { "tablet" } else { "laptop" },
                                    "weight_kg": 1.6,
                                })
                            })
                            .collect();
                        let path = format!("/api/v1/donations/{id}/devices");
                        self.call(Method::POST, &path, Some(Value::Array(rows)), false).await;
                    }
                    give_back(&pools.donors, line).await;
                    true
                }
                None => false,
            },
            "report" => {
                self.call(Method::GET, "/api/v1/reports/sustainability?group_by=month", None, false).await;
                true
            }
            "mixed" => {
                // Of every 40: 16 reads by id, 8 list pages, 8 check-out cycles, 2 sales,
                // 2 SIMs, 1 import, 3 reports; a scenario whose pool ran dry falls back to a read.
                let pick = match n % 40 {
                    0..=15 => "device-by-id",
                    16..=23 => "device-list",
                    24..=31 => "checkout",
                    32 | 33 => "sale",
                    34 | 35 => "sim",
                    36 => "import",
                    _ => "report",
                };
                if !Box::pin(self.step(pick, pools, n)).await {
                    return Box::pin(self.step("device-by-id", pools, n)).await;
                }
                true
            }
            other => {
                eprintln!("unknown scenario {other}");
                false
            }
        }
    }
}

fn percentile(sorted: &[u32], p: f64) -> f64 {
    if sorted.is_empty() {
        return 0.0;
    }
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    f64::from(sorted[i]) / 1000.0
}

#[tokio::main(flavor = "current_thread")]
async fn main() {
    let args = Args::parse();
    let folder = |name: &str| format!("{}/{name}", args.pool);
    let single = |wanted: &str| if args.scenario == wanted { args.pool.clone() } else { String::new() };
    let pools = Arc::new(if args.scenario == "mixed" {
        Pools {
            ids: read_pool(&folder("ids.txt")),
            hubs: read_pool(&folder("hubs.txt")),
            pairs: read_pool(&folder("pairs.txt")),
            sale_pairs: read_pool(&folder("sale-pairs.txt")),
            sim_residents: read_pool(&folder("sim-residents.txt")),
            donors: read_pool(&folder("donors.txt")),
        }
    } else {
        Pools {
            ids: read_pool(&single("device-by-id")),
            hubs: read_pool(&single("device-list")),
            pairs: read_pool(&single("checkout")),
            sale_pairs: read_pool(&single("sale")),
            sim_residents: read_pool(&single("sim")),
            donors: read_pool(&single("import")),
        }
    });
    let http = reqwest::Client::builder()
        .pool_max_idle_per_host(args.connections)
        .timeout(Duration::from_secs(30))
        .build()
        .unwrap_or_default();
    let started = Instant::now();
    let tally = Arc::new(Tally {
        seconds: (0..=args.seconds + 30).map(|_| Default::default()).collect(),
        started: Some(started),
        ..Default::default()
    });
    let deadline = started + Duration::from_secs(args.seconds);
    let counter = Arc::new(AtomicU64::new(0));
    let run =
        std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_millis()).unwrap_or_default();
    let mut tasks = Vec::new();
    for _ in 0..args.connections {
        let (pools, args, counter) = (pools.clone(), args.clone(), counter.clone());
        let mut client = Client {
            http: http.clone(),
            base: args.base.clone(),
            token: args.token.clone(),
            tally: tally.clone(),
            latencies: Vec::new(),
            run,
        };
        tasks.push(tokio::spawn(async move {
            while Instant::now() < deadline {
                let n = counter.fetch_add(1, Ordering::Relaxed);
                if !client.step(&args.scenario, &pools, n).await {
                    break;
                }
            }
            client.latencies
        }));
    }
    let mut latencies = Vec::new();
    for task in tasks {
        latencies.extend(task.await.unwrap_or_default());
    }
    let elapsed = started.elapsed().as_secs_f64();
    latencies.sort_unstable();
    let requests = tally.requests.load(Ordering::Relaxed);
    println!(
        "RESULT scenario={} connections={} requests={} seconds={:.1} requests_per_s={:.1} p50_ms={:.2} p99_ms={:.2} errors={} non2xx={} server_errors={} unavailable={} unavailable_without_retry_after={} slowest_unavailable_ms={:.0}",
        args.scenario,
        args.connections,
        requests,
        elapsed,
        requests as f64 / elapsed,
        percentile(&latencies, 0.50),
        percentile(&latencies, 0.99),
        tally.errors.load(Ordering::Relaxed),
        tally.non2xx.load(Ordering::Relaxed),
        tally.server_errors.load(Ordering::Relaxed),
        tally.unavailable.load(Ordering::Relaxed),
        tally.unavailable_without_retry_after.load(Ordering::Relaxed),
        tally.slowest_unavailable_us.load(Ordering::Relaxed) as f64 / 1000.0,
    );
    if args.timeline {
        for (t, second) in tally.seconds.iter().enumerate().take(elapsed.ceil() as usize) {
            let n: Vec<u64> = second.iter().map(|c| c.load(Ordering::Relaxed)).collect();
            println!(
                "SECOND t={t} ok={} unavailable={} refused={} server_error={} no_answer={}",
                n[0], n[1], n[2], n[3], n[4]
            );
        }
    }
}
