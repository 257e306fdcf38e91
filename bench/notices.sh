#!/usr/bin/env bash
# Notices at scale: LOANS open loans falling due on one day. The release service runs with its
# worker (as in production) and an SMTP sink (bench/smtp_sink.py); bench/seed.sql's load data is
# seeded (devices = LOANS × 20 / 3, since 3 in 20 are on loan), every borrower given an email and
# contact consent, and every open loan made due in two days. The worker's next round queues the
# "due soon" notices and drains the outbox; meanwhile the load generator reads devices by id, so
# request latency during the drain is measured beside the same read with the outbox idle.
#
#   cargo build --release --bin tech4all --example loadgen
#   bash bench/notices.sh [loans=100000] [connections=32] [seconds=20]
#
# Prints SEED, RESULT (baseline and during-drain reads) and NOTICES lines: how long the pass took
# to queue them, how long the drain took, the rate, and the mail the sink accepted.
set -euo pipefail
cd "$(dirname "$0")/.."
loans=${1:-100000}
connections=${2:-32}
seconds=${3:-20}
devices=$(( loans * 20 / 3 ))
port=18286
smtp_port=18287
data=$(mktemp -d /tmp/tech4all-notices.XXXXXX)
chmod 755 "$data"
mkdir -m 777 "$data/pools"
base="http://127.0.0.1:$port"
source bench/lib.sh
python3 bench/smtp_sink.py "$smtp_port" "$data/accepted" &
sink=$!
trap '[ -n "${service:-}" ] && { kill -TERM $service 2>/dev/null; wait $service 2>/dev/null; }; kill $sink 2>/dev/null; rm -rf "$data"' EXIT
# Email goes to the sink; the worker looks every second. Seeding first, with the outbox idle: the
# loans are due in eleven days, which nothing notices.
start_service "$data/service.log" TECH4ALL_DATA_DIR="$data" TECH4ALL_DB_POOL_SIZE="$connections" \
  TECH4ALL_SMTP_URL="smtp://127.0.0.1:$smtp_port" TECH4ALL_NOTICE_POLL_SECONDS=1
url="postgres://tech4all@/tech4all?host=$data/run&port=5432"
start=$(date +%s)
seed_load "$devices" "$data/pools" "$url"
open=$(as_pg psql -X -q -t -A -c "SELECT count(*) FROM loans WHERE returned_at IS NULL" "$url")
echo "SEED devices=$devices open_loans=$open seconds=$(( $(date +%s) - start ))"
token=$(staff_token)
read_run() {
  ./target/release/examples/loadgen --base "$base" --token "$token" --connections "$connections" \
    --seconds "$seconds" --scenario device-by-id --pool "$data/pools/ids.txt" 2>>"$data/loadgen.err" | sed "s/^RESULT /RESULT $1 /"
}
read_run idle

# Every borrower reachable by email; every open loan due in two days (UK time).
as_pg psql -X -q -c "UPDATE residents r SET email = 'r' || r.reference || '@bench.test', contact_consent = true
                     FROM loans l WHERE l.resident_id = r.id AND l.returned_at IS NULL" "$url"
t0=$(date +%s.%N)
as_pg psql -X -q -c "UPDATE loans SET due_on = (now() AT TIME ZONE 'Europe/London')::date + 2 WHERE returned_at IS NULL" "$url"
count() { as_pg psql -X -q -t -A -c "$1" "$url"; }
# The pass queues them all in one round; the drain runs beside a read load.
until [ "$(count "SELECT count(*) FROM outbox WHERE kind = 'loan_due_soon'")" -ge "$open" ]; do sleep 0.2; done
t1=$(date +%s.%N)
read_run during-drain &
reader=$!
until [ "$(count "SELECT count(*) FROM outbox WHERE kind = 'loan_due_soon' AND status IN ('pending', 'sending')")" -eq 0 ]; do sleep 1; done
t2=$(date +%s.%N)
wait $reader
sleep 1.2
sent=$(count "SELECT count(*) FROM outbox WHERE kind = 'loan_due_soon' AND status = 'sent'")
python3 - "$t0" "$t1" "$t2" "$open" "$sent" "$(cat "$data/accepted")" <<'PY'
import sys
t0, t1, t2 = map(float, sys.argv[1:4])
loans, sent, accepted = map(int, sys.argv[4:7])
print(f"NOTICES loans={loans} queued_in_s={t1 - t0:.1f} drained_in_s={t2 - t1:.1f} "
      f"rate_per_s={sent / (t2 - t1):.0f} sent={sent} sink_accepted={accepted}")
PY
grep -c "notice not delivered" "$data/service.log" | sed 's/^/NOTICES warnings=/'
