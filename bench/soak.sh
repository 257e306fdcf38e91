#!/usr/bin/env bash
# Soak: the release service on a throwaway embedded cluster with demo data plus bench/seed.sql's
# devices, under mixed traffic from many clients for a long run (check-outs and returns, sales,
# SIM allocations, imports, reports, reads and lists, in the load generator's fixed proportion).
# Then, with the service stopped, bench/invariants.sql checks the records offline: no device in two
# places, no SIM with two holders, every device's history ending in its status, the rollups equal
# to a recomputation from the raw records. Fails on any broken invariant or any 5xx.
#
#   cargo build --release --bin tech4all --example loadgen
#   bash bench/soak.sh [devices=100000] [connections=64] [seconds=600]
set -euo pipefail
cd "$(dirname "$0")/.."
devices=${1:-100000}
connections=${2:-64}
seconds=${3:-600}
port=18287
data=$(mktemp -d /tmp/tech4all-soak.XXXXXX)
chmod 755 "$data"
mkdir -m 777 "$data/pools"
base="http://127.0.0.1:$port"
source bench/lib.sh
service=
trap '[ -n "$service" ] && { kill -TERM $service 2>/dev/null; wait $service 2>/dev/null; }; rm -rf "$data"' EXIT
start_service "$data/service.log" TECH4ALL_DATA_DIR="$data" TECH4ALL_DB_POOL_SIZE=32
url="postgres://tech4all@/tech4all?host=$data/run&port=5432"
seed_load "$devices" "$data/pools" "$url"
token=$(staff_token)
( while kill -0 $service 2>/dev/null; do ps -o rss= -p $service; sleep 1; done ) >"$data/rss.txt" &
./target/release/examples/loadgen --base "$base" --token "$token" --connections "$connections" --seconds "$seconds" \
  --scenario mixed --pool "$data/pools" 2>"$data/loadgen.err" | sed "s/\$/ devices=$devices/" | tee "$data/result.txt"
peak=$(sort -n "$data/rss.txt" | tail -1)
echo "SOAK service_peak_rss_mib=$(( ${peak:-0} / 1024 ))"
# What was refused, by kind (the pools run dry of sale pairs and SIM residents as they are used).
sed -E 's/ \/api\/v1\/[a-z-]+\/[0-9a-f-]{36}/ \/api\/v1\/…/; s/"request_id":"[^"]*"/…/' "$data/loadgen.err" |
  cut -c1-200 | sort | uniq -c | sort -rn | head -8 | sed 's/^/SOAK refused /'
kill -TERM $service
wait $service || true
service=
# Offline: the cluster alone, no service.
as_pg pg_ctl -D "$data/postgres" -o "-c listen_addresses= -c unix_socket_directories=$data/run -c port=5432" -w start >/dev/null
broken=$(as_pg psql -X -q -t -A -F '|' -f bench/invariants.sql "$url" | tee "$data/invariants.txt" | awk -F'|' '$2 != 0')
sed 's/^/SOAK invariant /' "$data/invariants.txt"
as_pg pg_ctl -D "$data/postgres" -m fast -w stop >/dev/null
failed=0
[ -z "$broken" ] || { echo "SOAK FAILED: invariants broken: $broken"; failed=1; }
errors=$(sed -n 's/.* server_errors=\([0-9]*\).*/\1/p' "$data/result.txt")
unavailable=$(sed -n 's/.* unavailable=\([0-9]*\).*/\1/p' "$data/result.txt")
[ "$errors" = 0 ] && [ "$unavailable" = 0 ] || { echo "SOAK FAILED: $errors server errors, $unavailable 503s"; failed=1; }
[ "$failed" = 0 ] && echo "SOAK passed: zero 5xx, every invariant holds"
exit "$failed"
