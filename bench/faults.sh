#!/usr/bin/env bash
# Fault drills, each against the release service under load from the load generator, each ending
# with bench/invariants.sql (every count must be 0). Prints FAULT lines with the outcome and the
# load generator's per-second timeline, and exits non-zero if a drill fails.
#
#   1. restart:  PostgreSQL (a separate cluster, via DATABASE_URL) restarted under mixed load.
#                Requests during the outage must fail cleanly (503 with Retry-After, or no
#                answer), no other 5xx; the service recovers by itself within seconds.
#   2. pool:     the devices table locked by another session while 32 clients read devices
#                through a pool of 4 connections: answers must be 503 with Retry-After within
#                5 s (a 2 s wait for a connection, then at most 2.5 s for a lock), then recover
#                when the lock goes.
#   3. sigkill:  the service (with its embedded cluster) killed with SIGKILL in the middle of
#                check-outs and sales, then started again on the same data: no partial records.
# The fourth drill, two instances on one database with concurrent check-outs of one device, is
# the test tests/api/instances.rs.
#
#   cargo build --release --bin tech4all --example loadgen
#   bash bench/faults.sh [devices=10000]
set -euo pipefail
cd "$(dirname "$0")/.."
devices=${1:-10000}
port=18288
base="http://127.0.0.1:$port"
work=$(mktemp -d /tmp/tech4all-faults.XXXXXX)
chmod 755 "$work"
mkdir -m 777 "$work/pools"
failed=0
source bench/lib.sh
service=
stop_service() { [ -n "$service" ] && { kill -TERM "$service" 2>/dev/null || true; wait "$service" 2>/dev/null || true; }; service=; }
cleanup() {
  stop_service
  [ -d "$work/pg" ] && as_pg pg_ctl -D "$work/pg" -m immediate stop >/dev/null 2>&1 || true
  rm -rf "$work"
}
trap cleanup EXIT
fail() { echo "FAULT $1 FAILED: $2"; failed=1; }

load() { ./target/release/examples/loadgen --base "$base" --token "$1" --connections 32 --timeline "${@:2}" 2>>"$work/loadgen.err"; }
field() { sed -n "s/.* $1=\([0-9.]*\).*/\1/p" <<<"$2" | head -1; }
check_invariants() {
  local broken
  broken=$(as_pg psql -X -q -t -A -F '|' -f bench/invariants.sql "$1" | awk -F'|' '$2 != 0')
  if [ -n "$broken" ]; then fail "$2" "invariants broken: $broken"; else echo "FAULT $2 invariants: all hold"; fi
}

# 1. PostgreSQL restarted under load.
chown postgres "$work" 2>/dev/null || true
as_pg initdb -D "$work/pg" -A trust -U postgres >/dev/null
as_pg pg_ctl -D "$work/pg" -l "$work/pg.log" -o "-k $work -c listen_addresses='' -p 5439 -c fsync=off" start >/dev/null
url="postgres://postgres@/postgres?host=$work&port=5439"
start_service "$work/restart.log" DATABASE_URL="$url" TECH4ALL_DB_POOL_SIZE=32
seed_load "$devices" "$work/pools" "$url"
token=$(staff_token)
load "$token" --scenario mixed --pool "$work/pools" --seconds 30 >"$work/restart.txt" &
loadgen=$!
sleep 10
as_pg pg_ctl -D "$work/pg" -m fast -w restart >/dev/null
echo "FAULT restart PostgreSQL restarted at t=10s"
wait $loadgen
result=$(grep RESULT "$work/restart.txt")
echo "FAULT restart $result"
grep SECOND "$work/restart.txt" | sed 's/^/FAULT restart /' | sed -n '8,20p'
[ "$(field server_errors "$result")" = 0 ] || fail restart "5xx other than 503 during the outage"
[ "$(field unavailable_without_retry_after "$result")" = 0 ] || fail restart "503 without Retry-After"
recovered=$(grep SECOND "$work/restart.txt" | awk '{split($2,t,"="); split($4,u,"="); split($7,n,"="); if (t[2] >= 20 && (u[2] > 0 || n[2] > 0)) bad=1} END {print bad ? "no" : "yes"}')
[ "$recovered" = yes ] || fail restart "still failing 10 s after the restart"
check_invariants "$url" restart
stop_service

# 2. Pool exhausted: another session locks the devices table.
start_service "$work/pool.log" DATABASE_URL="$url" TECH4ALL_DB_POOL_SIZE=4
token=$(staff_token)
load "$token" --scenario device-by-id --pool "$work/pools/ids.txt" --seconds 20 >"$work/pool.txt" &
loadgen=$!
sleep 5
as_pg psql -X -q -c "BEGIN; LOCK TABLE devices IN ACCESS EXCLUSIVE MODE; SELECT pg_sleep(8); COMMIT;" "$url" >/dev/null
echo "FAULT pool devices locked from t=5s to t=13s"
wait $loadgen
result=$(grep RESULT "$work/pool.txt")
echo "FAULT pool $result"
grep SECOND "$work/pool.txt" | sed 's/^/FAULT pool /' | sed -n '4,18p'
[ "$(field server_errors "$result")" = 0 ] || fail pool "5xx other than 503"
[ "$(field unavailable "$result")" != 0 ] || fail pool "no 503 while the pool was exhausted"
[ "$(field unavailable_without_retry_after "$result")" = 0 ] || fail pool "503 without Retry-After"
slowest=$(field slowest_unavailable_ms "$result")
[ "${slowest%.*}" -lt 5000 ] || fail pool "a 503 took ${slowest} ms, not within 5 s"
tail_ok=$(grep SECOND "$work/pool.txt" | awk '{split($2,t,"="); split($3,o,"="); if (t[2] >= 16 && o[2] > 0) ok++} END {print ok+0}')
[ "$tail_ok" -gt 0 ] || fail pool "did not recover after the lock was released"
stop_service
as_pg pg_ctl -D "$work/pg" -m fast stop >/dev/null

# 3. SIGKILL mid-write, embedded cluster, then a restart on the same data.
mkdir -m 755 "$work/embedded"
rm -f "$work/pools/"*
start_service "$work/kill.log" TECH4ALL_DATA_DIR="$work/embedded" TECH4ALL_DB_POOL_SIZE=32
eurl="postgres://tech4all@/tech4all?host=$work/embedded/run&port=5432"
seed_load "$devices" "$work/pools" "$eurl"
token=$(staff_token)
load "$token" --scenario mixed --pool "$work/pools" --seconds 12 >"$work/kill.txt" &
loadgen=$!
sleep 5
kill -KILL "$service"
wait "$service" 2>/dev/null || true
service=
echo "FAULT sigkill service killed with SIGKILL at t=5s"
wait $loadgen || true
start_service "$work/kill-again.log" TECH4ALL_DATA_DIR="$work/embedded" TECH4ALL_DB_POOL_SIZE=32
echo "FAULT sigkill restarted on the same data: $(curl -fsS "$base/health/ready")"
check_invariants "$eurl" sigkill
stop_service

# What the load generator saw fail, by kind (connection errors are the killed service's).
sed -E 's/http:\/\/[^ )]*//; s/"request_id":"[^"]*"/…/' "$work/loadgen.err" | cut -c1-160 | sort | uniq -c | sort -rn |
  head -5 | sed 's/^/FAULT loadgen /' || true
[ "$failed" = 0 ] && echo "FAULT all drills passed"
exit "$failed"
