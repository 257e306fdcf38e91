-- pgbench script: the statements the service runs for one check-out and return cycle
-- (`POST /api/v1/loans` then `POST /api/v1/loans/{id}/return`), in its two transactions, as
-- captured with log_statement = all. Each pgbench client works one pair of its own from
-- load_cycle_pairs, as each load-generator connection does. Run with -M prepared, as the service
-- prepares its statements. Variables: :user_id (the staff member).
\set k :client_id + 1
SELECT device_id AS dev, resident_id AS res, hub_id AS hub, category AS cat FROM load_cycle_pairs WHERE k = :k \gset
SELECT role, organisation_id, active, token_epoch, hub_ids, scheme_active, sale_price_pence, household_rule_months, refund_window_days, sim_limit_per_resident, retention_months, receipt_prefix FROM confirm_caller(:scheme_id, :user_id, NULL);
BEGIN;
SELECT * FROM residents WHERE id = :res LIMIT 1 FOR UPDATE;
SELECT * FROM devices WHERE id = :dev LIMIT 1;
SELECT * FROM holds WHERE device_id = :dev AND status = 'ready' LIMIT 1;
SELECT session_id FROM sales_session_devices WHERE device_id = :dev LIMIT 1;
SELECT * FROM loan_rules WHERE (hub_id = :hub OR hub_id IS NULL) AND (category = :cat OR category IS NULL);
SELECT * FROM loans WHERE resident_id = :res AND returned_at IS NULL AND lost_at IS NULL;
INSERT INTO loans (id, device_id, resident_id, hub_id, lent_by, lent_at, due_on)
  VALUES (gen_random_uuid(), :dev, :res, :hub, :user_id, now(), current_date + 21) RETURNING id AS loan \gset
UPDATE devices SET status = 'on_loan', version = version + 1, updated_at = now() WHERE id = :dev AND status = 'ready' RETURNING *;
DELETE FROM sales_session_devices WHERE device_id = :dev;
SELECT EXISTS (SELECT 1 FROM impact_ledger WHERE device_id = :dev);
INSERT INTO device_events (id, device_id, actor_id, kind, from_status, to_status, from_hub_id, to_hub_id, details)
  VALUES (gen_random_uuid(), :dev, :user_id, 'lent', 'ready', 'on_loan', :hub, :hub, jsonb_build_object('loan_id', :loan::uuid));
UPDATE residents SET last_activity_at = now() WHERE id = :res;
COMMIT;
SELECT role, organisation_id, active, token_epoch, ARRAY(SELECT user_hubs.hub_id FROM user_hubs WHERE user_hubs.user_id = users.id) FROM users WHERE id = :user_id LIMIT 1;
BEGIN;
SELECT * FROM loans WHERE id = :loan LIMIT 1;
UPDATE loans SET returned_at = now(), returned_to_hub_id = :hub, return_condition = 'ok', return_notes = NULL,
  received_by = :user_id, version = version + 1, updated_at = now()
  WHERE id = :loan AND returned_at IS NULL AND lost_at IS NULL RETURNING *;
SELECT * FROM devices WHERE id = :dev LIMIT 1;
UPDATE devices SET status = 'ready', hub_id = :hub, version = version + 1, updated_at = now() WHERE id = :dev RETURNING *;
INSERT INTO device_events (id, device_id, actor_id, kind, from_status, to_status, from_hub_id, to_hub_id, details)
  VALUES (gen_random_uuid(), :dev, :user_id, 'returned', 'on_loan', 'ready', :hub, :hub, jsonb_build_object('loan_id', :loan::uuid));
SELECT * FROM holds WHERE hub_id = :hub AND status = 'ready' AND expires_at < now() FOR UPDATE SKIP LOCKED;
SELECT * FROM holds WHERE hub_id = :hub AND category = :cat AND status = 'waiting' ORDER BY created_at, id LIMIT 1 FOR UPDATE SKIP LOCKED;
UPDATE residents SET last_activity_at = now() WHERE id = :res;
COMMIT;
