#!/usr/bin/env bash
# Load benchmark: the release service on a throwaway embedded cluster with demo data plus
# bench/seed.sql's devices (and their residents, loans, sales, SIMs), driven by the load generator
# (examples/loadgen.rs) one scenario at a time as the demo hub staff member: device by id, a page of
# ready devices at a hub, check-out + return cycles, sales, SIM allocations, bulk imports (a
# donation and a 20-row manifest each), the sustainability report. Then pgbench runs the same
# statements as the read and the check-out cycle at the same concurrency on the same database: the
# limit beside the service. Prints RESULT lines and the service's peak memory.
#
#   cargo build --release --bin tech4all --example loadgen
#   bash bench/load.sh [devices=10000] [connections=32] [seconds=20]
set -euo pipefail
cd "$(dirname "$0")/.."
devices=${1:-10000}
connections=${2:-32}
seconds=${3:-20}
port=18285
data=$(mktemp -d /tmp/tech4all-bench.XXXXXX)
chmod 755 "$data"
mkdir -m 777 "$data/pools"
base="http://127.0.0.1:$port"
TECH4ALL_DATA_DIR="$data" TECH4ALL_BIND="127.0.0.1:$port" TECH4ALL_JWT_SECRET="benchmark-secret-benchmark-secret-0123" \
  TECH4ALL_DB_POOL_SIZE="$connections" TECH4ALL_TOKEN_TTL_SECONDS=7200 RUST_LOG=warn \
  ./target/release/tech4all serve --demo >"$data/service.log" 2>&1 &
service=$!
trap 'kill -TERM $service 2>/dev/null; wait $service 2>/dev/null; rm -rf "$data"' EXIT
for _ in $(seq 1 600); do
  grep -q "listening on" "$data/service.log" 2>/dev/null && curl -fsS "$base/health/ready" >/dev/null 2>&1 && break
  kill -0 $service 2>/dev/null || { echo "the service did not start:"; tail -5 "$data/service.log"; exit 1; }
  sleep 0.1
done

url="postgres://tech4all@/tech4all?host=$data/run&port=5432"
as_pg() { if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }
start=$(date +%s)
as_pg psql -X -q -v devices="$devices" -v out="$data/pools" -f bench/seed.sql "$url" >/dev/null
echo "SEED devices=$devices seconds=$(( $(date +%s) - start ))"
staff_id=$(as_pg psql -X -q -t -A -c "SELECT id FROM users WHERE email = 'staff@tech4all.test'" "$url")
token=$(curl -fsS -X POST "$base/api/v1/auth/login" -H 'content-type: application/json' \
  -d '{"email":"staff@tech4all.test","password":"tech4all-demo"}' | python3 -c 'import json,sys; print(json.load(sys.stdin)["access_token"])')

( while kill -0 $service 2>/dev/null; do ps -o rss= -p $service; sleep 0.5; done ) > "$data/rss.txt" &
sampler=$!
run() {
  ./target/release/examples/loadgen --base "$base" --token "$token" --connections "$connections" \
    --seconds "$seconds" --scenario "$1" --pool "$2" 2>>"$data/loadgen.err" | sed "s/\$/ devices=$devices/"
}
run device-by-id "$data/pools/ids.txt"
run device-list "$data/pools/hubs.txt"
run checkout "$data/pools/pairs.txt"
run sale "$data/pools/sale-pairs.txt"
run sim "$data/pools/sim-residents.txt"
run import "$data/pools/donors.txt"
run report ""
[ -n "${BENCH_KEEP:-}" ] && { echo "kept: $data (service $service)"; trap - EXIT; exit 0; }
kill $sampler 2>/dev/null || true
echo "RESULT service_peak_rss_mib=$(( $(sort -n "$data/rss.txt" | tail -1) / 1024 ))"
sort "$data/loadgen.err" | uniq -c | sort -rn | head -5 | sed 's/^/LOADGEN /'

rows=$(as_pg psql -X -q -t -A -c "SELECT count(*) FROM load_devices" "$url")
as_pg psql -X -q -c "CREATE TABLE IF NOT EXISTS bench_ids AS SELECT n, id FROM load_devices; CREATE UNIQUE INDEX IF NOT EXISTS bench_ids_n ON bench_ids (n); ANALYZE bench_ids;" "$url"
pg() {
  local label=$1
  shift
  as_pg pgbench -n -c "$connections" -j 2 -T "$seconds" -D user_id="'$staff_id'" "$@" "$url" 2>&1 |
    grep -E '^(tps|latency average|number of failed)' | sed "s/^/PGBENCH $label devices=$devices /"
}
pg device-by-id -f bench/device_by_id.sql -D rows="$rows"
pg checkout-cycle -f bench/checkout_cycle.sql
