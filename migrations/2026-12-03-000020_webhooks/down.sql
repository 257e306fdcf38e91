DELETE FROM outbox WHERE kind = 'webhook_disabled';
ALTER TABLE outbox DROP CONSTRAINT outbox_kind_check;
ALTER TABLE outbox ADD CONSTRAINT outbox_kind_check CHECK (kind IN ('loan_due_soon', 'loan_overdue', 'hold_ready',
    'hold_lapsing', 'sim_ending', 'sale_receipt'));
ALTER TABLE outbox DROP COLUMN user_id;
DROP TRIGGER webhooks_from_wipes ON wipe_records;
DROP TRIGGER webhooks_from_jobs ON refurbishment_jobs;
DROP TRIGGER webhooks_from_device_events ON device_events;
DROP FUNCTION webhook_claim(integer, integer);
DROP FUNCTION webhooks_from_wipes();
DROP FUNCTION webhooks_from_jobs();
DROP FUNCTION webhooks_from_device_events();
DROP FUNCTION webhook_job_partner(uuid, jsonb);
DROP FUNCTION webhook_emit(uuid, text, uuid, jsonb);
DROP TABLE webhook_deliveries;
DROP TABLE webhooks;
