DROP TABLE idempotency_keys;
DROP TABLE disposal_records;
DROP TRIGGER devices_wipe_gate ON devices;
DROP FUNCTION devices_wipe_gate();
DROP FUNCTION category_has_storage(text);
DROP TABLE wipe_records;
DROP TABLE refurbishment_jobs;
