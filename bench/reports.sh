#!/usr/bin/env bash
# Report benchmark: the sustainability report (and the distribution report) at growing numbers of
# counted devices. Starts the release service with demo data on a throwaway embedded cluster, adds
# devices with their impact-ledger entries in steps (at random over 36 months, 50 donors, 40 hubs
# in the demo's wards and every category; handed out at any hub), and after each step times the reports with one client
# (wrk, -c1) so the figure is the latency of one request, not queueing.
#
#   cargo build --release && bash bench/reports.sh [sizes="10000 100000 1000000"] [seconds=10]
set -euo pipefail
cd "$(dirname "$0")/.."
sizes=${1:-"10000 100000 1000000"}
seconds=${2:-10}
port=18283
data=$(mktemp -d /tmp/tech4all-bench.XXXXXX)
chmod 755 "$data"
base="http://127.0.0.1:$port"
TECH4ALL_DATA_DIR="$data" TECH4ALL_BIND="127.0.0.1:$port" TECH4ALL_JWT_SECRET="benchmark-secret-benchmark-secret-0123" \
  TECH4ALL_TOKEN_TTL_SECONDS=7200 RUST_LOG=warn ./target/release/tech4all serve --demo >"$data/service.log" 2>&1 &
service=$!
trap 'kill -TERM $service 2>/dev/null; wait $service 2>/dev/null; rm -rf "$data"' EXIT
for _ in $(seq 1 600); do curl -fsS "$base/health/ready" >/dev/null 2>&1 && break; sleep 0.1; done

psql_as=(psql -X -q -t -A -v ON_ERROR_STOP=1 "postgres://tech4all@/tech4all?host=$data/run&port=5432")
[ "$(id -u)" = 0 ] && psql_as=(runuser -u postgres -- "${psql_as[@]}")

# Donors, hubs and a donation per donor and month to hang the devices on.
"${psql_as[@]}" <<'SQL'
INSERT INTO organisations (id, name, roles)
  SELECT gen_random_uuid(), 'Bench donor ' || g, '{donor}' FROM generate_series(1, 50) g;
INSERT INTO hubs (id, name, kind, ward_id)
  SELECT gen_random_uuid(), 'Bench hub ' || g, 'library', (SELECT id FROM wards ORDER BY name OFFSET (g % 21) LIMIT 1)
  FROM generate_series(1, 40) g;
CREATE TABLE bench_donations AS
  WITH h AS (SELECT array_agg(id ORDER BY name) AS ids FROM hubs WHERE name LIKE 'Bench hub %'),
       o AS (SELECT id, row_number() OVER (ORDER BY name) AS k FROM organisations WHERE name LIKE 'Bench donor %')
  SELECT row_number() OVER () - 1 AS n, gen_random_uuid() AS id,
         h.ids[1 + ((o.k * 31 + extract(month FROM m.month)::int * 7) % 40)] AS hub_id, o.id AS donor_id, m.month
  FROM o CROSS JOIN h CROSS JOIN generate_series(date '2024-01-01', date '2026-12-01', interval '1 month') AS m (month);
INSERT INTO donations (id, donor_id, hub_id, received_on)
  SELECT id, donor_id, hub_id, month::date FROM bench_donations;
CREATE UNIQUE INDEX ON bench_donations (n);
SQL
donations=$("${psql_as[@]}" -c "SELECT count(*) FROM bench_donations")

token=$(curl -fsS -X POST "$base/api/v1/auth/login" -H 'content-type: application/json' \
  -d '{"email":"reporter@tech4all.test","password":"tech4all-demo"}' | python3 -c 'import json,sys; print(json.load(sys.stdin)["access_token"])')

counted=0
for size in $sizes; do
  add=$((size - counted))
  start=$(date +%s.%N)
  # Devices and their ledger entries in one statement each, as the service would write them over
  # years: the ledger trigger folds each statement into the rollup at every grain.
  "${psql_as[@]}" <<SQL
SELECT setseed(${size}::float / 1e9);
CREATE TEMP TABLE batch AS
  WITH r AS (
    SELECT floor(random() * $donations)::bigint AS dn, 1 + floor(random() * 40)::int AS hn,
           1 + floor(random() * 12)::int AS cn, random() AS x
    FROM generate_series($counted + 1, $size) g
  ), h AS (SELECT array_agg(id ORDER BY name) AS ids FROM hubs WHERE name LIKE 'Bench hub %')
  SELECT gen_random_uuid() AS id, d.id AS donation_id, h.ids[r.hn] AS hub_id, d.month,
         (ARRAY['laptop','laptop_small','laptop_large','desktop','tablet','phone','monitor','monitor_small',
                'monitor_large','router','printer','accessory'])[r.cn] AS category,
         CASE WHEN r.x < 0.3 THEN NULL ELSE 1000 + floor(r.x * 900)::int END AS weight_g,
         CASE WHEN r.x > 0.95 THEN 'recycled' ELSE 'reused' END AS kind
  FROM r JOIN bench_donations d ON d.n = r.dn CROSS JOIN h;
INSERT INTO devices (id, serial_number, make, model, category, weight_g, hub_id, donation_id)
  SELECT id, 'BENCH' || id, 'Bench', 'Model', category, weight_g, hub_id, donation_id FROM batch;
INSERT INTO impact_ledger (device_id, set_id, kind, category, co2e_saved_g, landfill_saved_g, weight_source,
                           occurred_at, hub_id, donation_id)
  SELECT b.id, f.set_id, b.kind, b.category,
         CASE WHEN b.kind = 'reused' THEN (f.manufacture_co2e_g * 5000 + 5000) / 10000 ELSE 0 END,
         coalesce(b.weight_g, f.weight_g), CASE WHEN b.weight_g IS NULL THEN 'category_average' ELSE 'device' END,
         b.month + interval '14 days', b.hub_id, b.donation_id
  FROM batch b JOIN impact_factors f ON f.set_id = '00000000-0000-7000-8000-0000000000a1' AND f.category = b.category;
ANALYZE;
SQL
  counted=$size
  loaded=$(python3 -c "print(f'{$(date +%s.%N) - $start:.1f}')")
  rollup=$("${psql_as[@]}" -c "SELECT string_agg(grain || ':' || n, ' ' ORDER BY grain) FROM (SELECT grain, count(*) n FROM impact_rollup GROUP BY grain) r")
  echo "SIZE devices=$size loaded_in_s=$loaded rollup_rows_by_grain=\"$rollup\""
  for query in "sustainability" "sustainability?group_by=month" "sustainability?group_by=donor" \
               "sustainability?group_by=category,quarter" "sustainability?group_by=hub,month" \
               "sustainability?factor_set=00000000-0000-7000-8000-0000000000a2" "distribution?group_by=hub"; do
    result=$(BENCH_PATH="/api/v1/reports/$query" BENCH_TOKEN="$token" \
      wrk -t1 -c1 -d"$seconds"s --latency -s bench/get.lua "$base" | grep RESULT)
    echo "$result devices=$size report=/api/v1/reports/$query"
  done
done
