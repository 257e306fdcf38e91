-- pgbench: the statements the service runs for one GET /api/v1/devices/{id} by a member of hub
-- staff (confirm the token's user, load their hubs and the scheme's rules and enter the scheme in
-- one statement, read the device under row-level security). Run as the service's role
-- (PGOPTIONS='-c role=tech4all_app'). The device id is looked up in bench_ids by a random row
-- number, one extra primary-key read the service does not make.
\set k random(1, :rows)
SELECT role, organisation_id, active, token_epoch, hub_ids, scheme_active, sale_price_pence, household_rule_months, refund_window_days, sim_limit_per_resident, retention_months, receipt_prefix FROM confirm_caller(:scheme_id, :user_id, NULL);
SELECT d.* FROM devices d WHERE d.id = (SELECT id FROM bench_ids WHERE n = :k);
