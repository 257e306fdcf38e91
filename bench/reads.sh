#!/usr/bin/env bash
# Read benchmark: device by id through the service (wrk) against the same statements straight
# into PostgreSQL (pgbench), at the same concurrency, on the same database. Reports requests/s,
# p50/p99 and the service's peak memory.
#
#   cargo build --release && bash bench/reads.sh [devices=10000] [connections=32] [seconds=20]
set -euo pipefail
cd "$(dirname "$0")/.."
devices=${1:-10000}
connections=${2:-32}
seconds=${3:-20}
port=18282
data=$(mktemp -d /tmp/tech4all-bench.XXXXXX)
chmod 755 "$data"
base="http://127.0.0.1:$port"
TECH4ALL_DATA_DIR="$data" TECH4ALL_BIND="127.0.0.1:$port" TECH4ALL_JWT_SECRET="benchmark-secret-benchmark-secret-0123" \
  TECH4ALL_DB_POOL_SIZE="$connections" TECH4ALL_TOKEN_TTL_SECONDS=3600 RUST_LOG=warn \
  ./target/release/tech4all serve --demo >"$data/service.log" 2>&1 &
service=$!
trap 'kill -TERM $service 2>/dev/null; wait $service 2>/dev/null; rm -rf "$data"' EXIT
for _ in $(seq 1 200); do curl -fsS "$base/health/ready" >/dev/null 2>&1 && break; sleep 0.1; done

psql_as=(psql -X -q -t -A "postgres://tech4all@/tech4all?host=$data/run&port=5432")
[ "$(id -u)" = 0 ] && psql_as=(runuser -u postgres -- "${psql_as[@]}")
staff_hub=$("${psql_as[@]}" -c "SELECT h.id FROM hubs h JOIN user_hubs uh ON uh.hub_id = h.id JOIN users u ON u.id = uh.user_id WHERE u.email = 'staff@tech4all.test' ORDER BY h.name LIMIT 1")
staff_id=$("${psql_as[@]}" -c "SELECT id FROM users WHERE email = 'staff@tech4all.test'")
"${psql_as[@]}" -c "INSERT INTO devices (id, serial_number, make, model, category, hub_id)
  SELECT gen_random_uuid(), 'BENCH' || g, 'Dell', 'Latitude 5490', 'laptop', '$staff_hub' FROM generate_series(1, $devices) g;
  CREATE TABLE bench_ids AS SELECT row_number() OVER () AS n, id FROM devices WHERE serial_number LIKE 'BENCH%';
  CREATE UNIQUE INDEX ON bench_ids (n); ANALYZE;"
"${psql_as[@]}" -c "SELECT id FROM bench_ids" > "$data/ids.txt"
chmod 644 "$data/ids.txt"
token=$(curl -fsS -X POST "$base/api/v1/auth/login" -H 'content-type: application/json' \
  -d '{"email":"staff@tech4all.test","password":"tech4all-demo"}' | python3 -c 'import json,sys; print(json.load(sys.stdin)["access_token"])')

peak=0
( while kill -0 $service 2>/dev/null; do ps -o rss= -p $service; sleep 0.5; done ) > "$data/rss.txt" &
sampler=$!
BENCH_IDS="$data/ids.txt" BENCH_PATH="/api/v1/devices/{id}" BENCH_TOKEN="$token" wrk -t2 -c"$connections" -d"$seconds"s --latency -s bench/get.lua "$base" | tee "$data/wrk.txt" | grep RESULT
kill $sampler 2>/dev/null || true
peak=$(sort -n "$data/rss.txt" | tail -1)
echo "RESULT service_peak_rss_mib=$((peak / 1024))"

pgbench_as=(pgbench -n -c "$connections" -j 2 -T "$seconds" -f bench/device_by_id.sql -D rows="$devices" -D user_id="'$staff_id'"
  "postgres://tech4all@/tech4all?host=$data/run&port=5432")
[ "$(id -u)" = 0 ] && pgbench_as=(runuser -u postgres -- "${pgbench_as[@]}")
"${pgbench_as[@]}" 2>/dev/null | grep -E '^(tps|latency average)' | sed 's/^/PGBENCH /'
