#!/usr/bin/env bash
# Load benchmark: the release service on a throwaway embedded cluster with demo data plus
# bench/seed.sql's devices (and their residents, loans, sales, SIMs), driven by the load generator
# (examples/loadgen.rs) one scenario at a time as the demo hub staff member: device by id, a page of
# ready devices at a hub, check-out + return cycles, sales, SIM allocations, bulk imports (a
# donation and a 20-row manifest each), the sustainability report. Right after the service's read
# and check-out runs, pgbench runs the same statements at the same concurrency on the same
# database: the limit beside the service. Prints RESULT, CPU and PGBENCH lines and the service's
# peak memory (bench/summarise.py makes tables of them).
#
#   cargo build --release --bin tech4all --example loadgen
#   bash bench/load.sh [devices=10000] [connections=32] [seconds=20]
#
# BENCH_SCENARIOS="device-by-id checkout" runs only those scenarios; BENCH_SCHEMES=10 puts nine
# more schemes of as many devices beside the measured one (bench/schemes.sql); BENCH_POOL=16 sizes the
# service's pool (default: one connection per client). BENCH_PROFILE=1 also samples the whole
# machine with perf during each scenario and prints PROFILE lines: the share of time by program
# and library, and the hottest functions.
set -euo pipefail
cd "$(dirname "$0")/.."
devices=${1:-10000}
connections=${2:-32}
seconds=${3:-20}
port=18285
data=$(mktemp -d /tmp/tech4all-bench.XXXXXX)
chmod 755 "$data"
mkdir -m 777 "$data/pools" "$data/pgbench"
base="http://127.0.0.1:$port"
source bench/lib.sh
trap '[ -n "${service:-}" ] && { kill -TERM $service 2>/dev/null; wait $service 2>/dev/null; }; rm -rf "$data"' EXIT
start_service "$data/service.log" TECH4ALL_DATA_DIR="$data" TECH4ALL_DB_POOL_SIZE="${BENCH_POOL:-$connections}"

url="postgres://tech4all@/tech4all?host=$data/run&port=5432"
start=$(date +%s)
# BENCH_SCHEMES=10: nine more schemes of as many devices each first, so the measured scheme
# shares every table with them (only its own rows are read).
for i in $(seq 2 "${BENCH_SCHEMES:-1}"); do
  code=$(printf 'B%02d' "$i")
  as_pg psql -X -q -v scheme="$(python3 -c 'import uuid; print(uuid.uuid4())')" -v code="$code" \
    -v staff="staff-$code@bench.test" -f bench/schemes.sql "$url" >/dev/null
  scheme=$(as_pg psql -X -q -t -A -c "SELECT id FROM schemes WHERE code = '$code'" "$url")
  mkdir -m 777 -p "$data/pools-$code"
  as_pg psql -X -q -c "GRANT CREATE ON SCHEMA public TO tech4all_app" "$url"
  as_pg psql -X -q -v devices="$devices" -v out="$data/pools-$code" -v scheme="$scheme" -v staff="staff-$code@bench.test" \
    -f bench/seed.sql "$url" >/dev/null
  as_pg psql -X -q -c "DO \$\$ DECLARE t text; BEGIN FOR t IN SELECT tablename FROM pg_tables WHERE schemaname = 'public' AND tablename LIKE 'load\\_%' LOOP EXECUTE format('DROP TABLE %I', t); END LOOP; END \$\$" "$url"
  echo "SEED scheme=$code devices=$devices seconds=$(( $(date +%s) - start ))"
done
seed_load "$devices" "$data/pools" "$url"
echo "SEED devices=$devices seconds=$(( $(date +%s) - start ))"
staff_id=$(as_pg psql -X -q -t -A -c "SELECT id FROM users WHERE email = 'staff@tech4all.test'" "$url")
token=$(staff_token)

( while kill -0 $service 2>/dev/null; do ps -o rss= -p $service; sleep 0.5; done ) > "$data/rss.txt" &
sampler=$!
rows=$(as_pg psql -X -q -t -A -c "SELECT count(*) FROM load_devices" "$url")
as_pg psql -X -q -c "CREATE TABLE IF NOT EXISTS bench_ids AS SELECT n, id FROM load_devices; CREATE UNIQUE INDEX IF NOT EXISTS bench_ids_n ON bench_ids (n); ANALYZE bench_ids;" "$url"
pg() {
  local label=$1
  shift
  rm -f "$data"/pgbench/pgbench_log.*
  # As the service's role, so row-level security costs pgbench what it costs the service.
  (cd "$data/pgbench" && as_pg env PGOPTIONS='-c role=tech4all_app' pgbench -n -c "$connections" -j 2 -T "$seconds" \
    -M prepared -l -D user_id="$staff_id" -D scheme_id=00000000-0000-7000-8000-000000000001 "$@" "$url") 2>&1 |
    grep -E '^(tps|latency average|number of failed)' | sed "s/^/PGBENCH $label devices=$devices /"
  # Per-transaction latencies (µs, third field of pgbench's log): the p50 and p99 beside the service's.
  cat "$data"/pgbench/pgbench_log.* | awk '{print $3}' | sort -n |
    awk -v label="$label" -v d="$devices" '{v[NR] = $1} END {printf "PGBENCH %s devices=%s p50_ms=%.2f p99_ms=%.2f\n", label, d, v[int(NR * 0.5)] / 1000, v[int(NR * 0.99)] / 1000}'
}
selected() { case " ${BENCH_SCENARIOS:-$1} " in *" $1 "*) return 0 ;; *) return 1 ;; esac; }
# CPU seconds used so far by the service, and by every PostgreSQL process (with the exited
# children the postmaster has reaped); the load generator's own comes from /usr/bin/time.
cpu_service() { awk '{printf "%d", $14 + $15}' "/proc/$service/stat"; }
cpu_postgres() { local p; p=$(pgrep -u postgres | sed 's|.*|/proc/&/stat|'); awk '{s += $14 + $15 + $16 + $17} END {printf "%d", s}' $p 2>/dev/null; }
run() {
  selected "$1" || return 0
  local s0 p0 tick
  s0=$(cpu_service) p0=$(cpu_postgres) tick=$(getconf CLK_TCK)
  local perf=
  if [ -n "${BENCH_PROFILE:-}" ]; then
    perf record -a -g -F 299 -o "$data/perf.$1" -- sleep "$seconds" >/dev/null 2>&1 &
    perf=$!
  fi
  /usr/bin/time -f "%U %S" -o "$data/loadgen.cpu" ./target/release/examples/loadgen --base "$base" --token "$token" \
    --connections "$connections" --seconds "$seconds" --scenario "$1" --pool "$2" 2>>"$data/loadgen.err" |
    sed "s/\$/ devices=$devices/"
  awk -v s="$(( $(cpu_service) - s0 ))" -v p="$(( $(cpu_postgres) - p0 ))" -v t="$tick" -v name="$1" -v d="$devices" \
    '{l = $1 + $2; total = s / t + p / t + l; printf "CPU scenario=%s service_s=%.1f postgres_s=%.1f loadgen_s=%.1f service_share=%.0f%% postgres_share=%.0f%% loadgen_share=%.0f%% devices=%s\n", name, s / t, p / t, l, 100 * s / t / total, 100 * p / t / total, 100 * l / total, d}' "$data/loadgen.cpu"
  if [ -n "$perf" ]; then
    # Where the machine's time went: by program and library, then the hottest functions.
    wait "$perf" || true
    perf report -i "$data/perf.$1" --stdio --no-children -g none --sort comm,dso --percent-limit 2 2>/dev/null |
      grep -v '^#' | grep -v '^$' | sed "s/^/PROFILE $1 /"
    perf report -i "$data/perf.$1" --stdio --no-children -g none --sort comm,sym --percent-limit 0.7 2>/dev/null |
      grep -v '^#' | grep -v '^$' | head -40 | sed "s/^/PROFILE $1 /"
  fi
}
# pgbench right after the service's run of the same scenario: the same database in the same state.
run device-by-id "$data/pools/ids.txt"
selected device-by-id && pg device-by-id -f "$PWD/bench/device_by_id.sql" -D rows="$rows"
run checkout "$data/pools/pairs.txt"
selected checkout && pg checkout-cycle -f "$PWD/bench/checkout_cycle.sql"
run device-list "$data/pools/hubs.txt"
run sale "$data/pools/sale-pairs.txt"
run sim "$data/pools/sim-residents.txt"
run import "$data/pools/donors.txt"
run report ""
[ -n "${BENCH_KEEP:-}" ] && { echo "kept: $data (service $service)"; trap - EXIT; exit 0; }
kill $sampler 2>/dev/null || true
peak=$(sort -n "$data/rss.txt" 2>/dev/null | tail -1)
echo "RESULT service_peak_rss_mib=$(( ${peak:-0} / 1024 ))"
touch "$data/loadgen.err"
sort "$data/loadgen.err" | uniq -c | sort -rn | head -5 | sed 's/^/LOADGEN /'

