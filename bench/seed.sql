-- Load-test data on top of the demo: :devices devices at 40 hubs where the demo hub staff member
-- works, in every status with the records that status implies (refurbishment jobs and verified
-- wipes, open loans, sales, SIM allocations, ledger entries, and a custody history ending in the
-- device's status), as many residents as devices, and half as many SIMs. Then writes the pools
-- the load generator reads into :'out' (ids.txt, hubs.txt, pairs.txt, sale-pairs.txt,
-- sim-residents.txt with a hub for each resident, donors.txt with a donor and hub per line).
--
--   psql -v devices=100000 -v out=/tmp/pools -f bench/seed.sql
--
-- By default into the demo's first scheme (Trafford's) for its hub staff member; -v scheme=<id>
-- -v staff=<email> seeds another scheme (bench/schemes.sql gives one what the demo would).
\set ON_ERROR_STOP on
-- As the service works: its role, in the first scheme (Trafford's), under row-level security, so
-- every lookup below sees that scheme only (the demo also holds Stockport). The benchmark's
-- database lets that role create the load_* tables (bench/load.sh grants it).
\if :{?scheme}
\else
\set scheme 00000000-0000-7000-8000-000000000001
\endif
\if :{?staff}
\else
\set staff staff@tech4all.test
\endif
SET ROLE tech4all_app;
SELECT set_config('tech4all.scheme_id', :'scheme', false);
SELECT setseed(0.2026);

INSERT INTO hubs (id, name, kind, ward_id)
SELECT gen_random_uuid(), 'Load hub ' || lpad(g::text, 2, '0'), 'library',
       (SELECT id FROM wards ORDER BY name OFFSET (g % 21) LIMIT 1)
FROM generate_series(1, 40) g;
CREATE TABLE load_hubs AS SELECT row_number() OVER (ORDER BY name) - 1 AS n, id FROM hubs WHERE name LIKE 'Load hub %';
INSERT INTO user_hubs (user_id, hub_id)
SELECT u.id, h.id FROM users u CROSS JOIN load_hubs h WHERE u.email = :'staff';

-- One donation per hub from the demo's donors.
CREATE TABLE load_donations AS
SELECT h.n, gen_random_uuid() AS id, h.id AS hub_id,
       (SELECT id FROM organisations WHERE 'donor' = ANY (roles) ORDER BY name OFFSET (h.n % 3) LIMIT 1) AS donor_id
FROM load_hubs h;
INSERT INTO donations (id, donor_id, hub_id, received_on) SELECT id, donor_id, hub_id, current_date - 400 FROM load_donations;

-- Devices: of every 20, 2 received, 1 awaiting refurbishment, 1 in refurbishment, 8 ready, 3 on
-- loan, 4 sold, 1 recycled.
CREATE TABLE load_devices AS
-- Hubs by blocks of 20, so every hub holds devices in every status.
SELECT g AS n, gen_random_uuid() AS id, (g / 20) % 40 AS hub_n,
       (ARRAY['received','received','awaiting_refurbishment','in_refurbishment','ready','ready','ready','ready',
              'ready','ready','ready','ready','on_loan','on_loan','on_loan','sold','sold','sold','sold','recycled'])[1 + g % 20] AS status,
       CASE WHEN g % 7 = 0 THEN 'tablet' ELSE 'laptop' END AS category
FROM generate_series(1, :devices) g;
CREATE UNIQUE INDEX ON load_devices (n);
-- The scheme's asset tags for them in one block, as a manifest import takes them (one counter
-- update, not one per device).
SELECT reserve_numbers('asset_tag', :devices) AS first_tag,
       (SELECT asset_tag_prefix FROM schemes WHERE id = current_scheme()) AS tag_prefix \gset
INSERT INTO devices (id, asset_tag, serial_number, make, model, category, weight_g, hub_id, donation_id)
SELECT d.id, scheme_number(:'tag_prefix', :first_tag + d.n - 1), 'LOAD' || d.n, 'Dell', 'Latitude 5490', d.category,
       1400 + d.n % 300, h.id, o.id
FROM load_devices d JOIN load_hubs h ON h.n = d.hub_n JOIN load_donations o ON o.n = d.hub_n;

CREATE TABLE load_jobs AS
SELECT d.id AS device_id, gen_random_uuid() AS id, d.status,
       CASE d.status WHEN 'awaiting_refurbishment' THEN 'assigned' WHEN 'in_refurbishment' THEN 'in_progress'
                     WHEN 'recycled' THEN 'beyond_repair' ELSE 'completed' END AS job_status, h.id AS hub_id
FROM load_devices d JOIN load_hubs h ON h.n = d.hub_n WHERE d.status NOT IN ('received');
INSERT INTO refurbishment_jobs (id, device_id, refurbisher_id, return_hub_id, status, grade, functional_result,
                                beyond_repair_reason, started_at, finished_at)
SELECT j.id, j.device_id, (SELECT id FROM organisations WHERE name = 'Community Computers'), j.hub_id, j.job_status,
       CASE WHEN j.job_status = 'completed' THEN 'B' END, CASE WHEN j.job_status = 'completed' THEN 'passed' END,
       CASE WHEN j.job_status = 'beyond_repair' THEN 'parts_too_expensive' END,
       CASE WHEN j.job_status <> 'assigned' THEN now() - interval '300 days' END,
       CASE WHEN j.job_status IN ('completed', 'beyond_repair') THEN now() - interval '290 days' END
FROM load_jobs j;
INSERT INTO wipe_records (id, job_id, device_id, level, method, tool, verified, operator_name, performed_at)
SELECT gen_random_uuid(), j.id, j.device_id, 'purge', 'nvme_sanitize', 'Blancco Drive Eraser', true, 'Load test',
       now() - interval '295 days'
FROM load_jobs j WHERE j.job_status = 'completed';
-- Statistics first (as the owner): the wipe gate checks each device's wipes as its status
-- changes, and a plan made for tables the planner thinks empty scans every wipe of the scheme for
-- each device.
RESET ROLE;
ANALYZE devices, wipe_records, refurbishment_jobs;
SET ROLE tech4all_app;
UPDATE devices d SET status = l.status FROM load_devices l WHERE l.id = d.id AND l.status <> 'received';

-- Custody history: the path each status implies, oldest first.
CREATE TABLE load_paths (status text, step int, kind text, from_status text, to_status text);
INSERT INTO load_paths
SELECT s.status, p.step, p.kind, p.from_status, p.to_status
FROM (VALUES ('received'), ('awaiting_refurbishment'), ('in_refurbishment'), ('ready'), ('on_loan'), ('sold'), ('recycled')) s (status)
CROSS JOIN LATERAL (VALUES
    (1, 'received', NULL, 'received'),
    (2, 'assigned_for_refurbishment', 'received', 'awaiting_refurbishment'),
    (3, 'refurbishment_started', 'awaiting_refurbishment', 'in_refurbishment'),
    (4, CASE WHEN s.status = 'recycled' THEN 'declared_beyond_repair' ELSE 'refurbishment_completed' END,
        'in_refurbishment', CASE WHEN s.status = 'recycled' THEN 'beyond_repair' ELSE 'ready' END),
    (5, CASE s.status WHEN 'on_loan' THEN 'lent' WHEN 'sold' THEN 'sold' ELSE 'recycled' END,
        CASE WHEN s.status = 'recycled' THEN 'beyond_repair' ELSE 'ready' END, s.status)
) p (step, kind, from_status, to_status)
WHERE p.step <= CASE s.status WHEN 'received' THEN 1 WHEN 'awaiting_refurbishment' THEN 2
                             WHEN 'in_refurbishment' THEN 3 WHEN 'ready' THEN 4 ELSE 5 END;
-- In slices, so each statement's rollup trigger folds a modest batch.
DO $$
DECLARE
    total bigint := (SELECT max(n) FROM load_devices);
    first bigint := 1;
BEGIN
    WHILE first <= total LOOP
        INSERT INTO device_events (id, device_id, occurred_at, kind, from_status, to_status, from_hub_id, to_hub_id)
        SELECT gen_random_uuid(), d.id, now() - interval '400 days' + p.step * interval '20 days', p.kind, p.from_status,
               p.to_status, CASE WHEN p.step > 1 THEN h.id END, h.id
        FROM load_devices d JOIN load_paths p ON p.status = d.status JOIN load_hubs h ON h.n = d.hub_n
        WHERE d.n BETWEEN first AND first + 49999
        ORDER BY d.n, p.step;
        first := first + 50000;
    END LOOP;
END;
$$;

-- Residents, one per device.
CREATE TABLE load_residents AS
SELECT g AS n, gen_random_uuid() AS id, (SELECT array_agg(id ORDER BY n) FROM load_hubs)[1 + g % 40] AS hub_id
FROM generate_series(1, :devices) g;
CREATE UNIQUE INDEX ON load_residents (n);
SELECT reserve_numbers('resident_reference', :devices) AS first_reference \gset
INSERT INTO residents (id, reference, name, postcode, ward_id, eligibility, eligibility_verified_on, registered_at_hub_id)
SELECT r.id, scheme_number('R', :first_reference + r.n - 1), 'Load Resident ' || r.n, 'M32 0TH',
       (SELECT array_agg(id ORDER BY name) FROM wards)[1 + r.n % 21],
       'universal_credit', current_date - 300, r.hub_id
FROM load_residents r;

-- Loans for the devices on loan, sales for the sold ones: each to its own resident.
CREATE TABLE load_placed AS
SELECT d.id AS device_id, d.status, h.id AS hub_id, row_number() OVER (ORDER BY d.n) AS k
FROM load_devices d JOIN load_hubs h ON h.n = d.hub_n WHERE d.status IN ('on_loan', 'sold');
INSERT INTO loans (id, device_id, resident_id, hub_id, lent_at, due_on)
SELECT gen_random_uuid(), p.device_id, r.id, p.hub_id, now() - interval '10 days', current_date + 11
FROM load_placed p JOIN load_residents r ON r.n = p.k WHERE p.status = 'on_loan';
INSERT INTO sales (id, receipt_number, device_id, resident_id, hub_id, price_pence, market_value_pence, subsidy_pence,
                   payment_method, sold_at)
SELECT gen_random_uuid(), 'LOAD-' || p.k, p.device_id, r.id, p.hub_id, 6000, 20000, 14000, 'cash',
       now() - interval '200 days'
FROM load_placed p JOIN load_residents r ON r.n = p.k WHERE p.status = 'sold';
INSERT INTO impact_ledger (device_id, set_id, kind, category, co2e_saved_g, landfill_saved_g, weight_source, occurred_at,
                           hub_id, donation_id)
SELECT d.id, f.set_id, 'reused', d.category, (f.manufacture_co2e_g * 5000 + 5000) / 10000, d.weight_g, 'device',
       now() - interval '200 days', d.hub_id, d.donation_id
FROM load_placed p JOIN devices d ON d.id = p.device_id
JOIN impact_factors f ON f.set_id = '00000000-0000-7000-8000-0000000000a1' AND f.category = d.category;

-- Statistics again before the SIMs, whose rollup triggers look residents and SIMs up row by row.
RESET ROLE;
ANALYZE residents, sims, sim_batches, loans, sales, reach_people, reach_rollup;
SET ROLE tech4all_app;

-- SIMs: a batch at each hub, half as many SIMs as devices, a quarter of them allocated.
CREATE TABLE load_batches AS SELECT h.n, gen_random_uuid() AS id, h.id AS hub_id FROM load_hubs h;
INSERT INTO sim_batches (id, supplier_id, network, kind, data_gb_per_month, duration_months, received_on, hub_id)
SELECT b.id, (SELECT id FROM organisations WHERE name = 'National Databank'), 'O2', 'physical_sim', 25, 12,
       current_date - 100, b.hub_id
FROM load_batches b;
-- Allocated or in stock by blocks of 40, so every hub's batch has some of each.
CREATE TABLE load_sims AS
SELECT g AS n, gen_random_uuid() AS id, (SELECT array_agg(id ORDER BY n) FROM load_batches)[1 + g % 40] AS batch_id,
       (g / 40) % 4 = 0 AS allocated
FROM generate_series(1, :devices / 2) g;
INSERT INTO sims (id, batch_id, supplier_id, iccid, status)
SELECT s.id, s.batch_id, (SELECT id FROM organisations WHERE name = 'National Databank'),
       '8944' || lpad(s.n::text, 15, '0'), CASE WHEN s.allocated THEN 'allocated' ELSE 'in_stock' END
FROM load_sims s;
INSERT INTO sim_allocations (id, sim_id, resident_id, hub_id, allocated_on, expires_on)
SELECT gen_random_uuid(), s.id, r.id, b.hub_id, current_date - 30, current_date + 335
FROM (SELECT *, row_number() OVER (ORDER BY n) AS k FROM load_sims WHERE allocated) s
JOIN load_batches b ON b.id = s.batch_id
JOIN load_residents r ON r.n = (SELECT count(*) FROM load_placed) + s.k;
-- Statistics as the owner (the service's role may not analyze tables it does not own).
RESET ROLE;
ANALYZE;
SET ROLE tech4all_app;

-- Pools: ready devices for reads, lists, check-outs and sales, and residents with nothing yet
-- (after the borrowers, buyers and SIM holders) to pair them with.
CREATE TABLE load_free_residents AS
SELECT row_number() OVER (ORDER BY n) AS k, id FROM load_residents
WHERE n > (SELECT count(*) FROM load_placed) + (SELECT count(*) FROM load_sims WHERE allocated);
CREATE TABLE load_ready AS
SELECT row_number() OVER (ORDER BY d.n) AS k, d.id FROM load_devices d WHERE d.status = 'ready';
CREATE TABLE load_cycle_pairs AS
SELECT row_number() OVER (ORDER BY d.k) AS k, d.id AS device_id, r.id AS resident_id, v.hub_id, v.category
FROM load_ready d JOIN load_free_residents r ON r.k = d.k JOIN devices v ON v.id = d.id WHERE d.k % 2 = 0;
CREATE UNIQUE INDEX ON load_cycle_pairs (k);
\o :out/ids.txt
COPY (SELECT id FROM load_devices ORDER BY random()) TO STDOUT;
\o :out/hubs.txt
COPY (SELECT id FROM load_hubs) TO STDOUT;
\o :out/pairs.txt
COPY (SELECT d.id || ',' || r.id FROM load_ready d JOIN load_free_residents r ON r.k = d.k WHERE d.k % 2 = 0) TO STDOUT;
\o :out/sale-pairs.txt
COPY (SELECT d.id || ',' || r.id FROM load_ready d JOIN load_free_residents r ON r.k = d.k WHERE d.k % 4 = 1) TO STDOUT;
\o :out/sim-residents.txt
-- Spread over the hubs in turn, so no hub's SIMs run out before another's.
COPY (SELECT x.id || ',' || h.id
      FROM (SELECT r.id, row_number() OVER (ORDER BY r.k) AS j FROM load_free_residents r
            JOIN load_ready d ON d.k = r.k WHERE d.k % 4 = 3) x
      JOIN load_hubs h ON h.n = x.j % 40) TO STDOUT;
\o :out/donors.txt
COPY (SELECT donor_id || ',' || hub_id FROM load_donations) TO STDOUT;
\o
