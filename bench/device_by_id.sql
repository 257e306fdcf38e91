-- pgbench: the statements the service runs for one GET /api/v1/devices/{id} by a member of hub
-- staff (confirm the token's user and load their hubs in one statement, read the device). The
-- device id is looked up in bench_ids by a random row number, one extra primary-key read the
-- service does not make.
\set k random(1, :rows)
SELECT role, organisation_id, active, token_epoch, ARRAY(SELECT user_hubs.hub_id FROM user_hubs WHERE user_hubs.user_id = users.id) FROM users WHERE id = :user_id LIMIT 1;
SELECT d.* FROM devices d WHERE d.id = (SELECT id FROM bench_ids WHERE n = :k);
