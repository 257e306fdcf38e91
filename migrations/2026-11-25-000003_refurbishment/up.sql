-- Refurbishment by partner charities: jobs, data-wipe records, disposal records, the wipe gate,
-- and stored responses for idempotent retries.

CREATE TABLE refurbishment_jobs (
    id                 uuid PRIMARY KEY,
    device_id          uuid NOT NULL REFERENCES devices (id),
    refurbisher_id     uuid NOT NULL REFERENCES organisations (id),
    status             text NOT NULL DEFAULT 'assigned'
                       CHECK (status IN ('assigned', 'in_progress', 'completed', 'beyond_repair', 'cancelled')),
    assigned_by        uuid REFERENCES users (id),
    -- The hub the device goes back to when the job is completed.
    return_hub_id      uuid REFERENCES hubs (id),
    notes              text CHECK (length(notes) <= 2000),
    started_at         timestamptz,
    finished_at        timestamptz,
    grade              text CHECK (grade IN ('A', 'B', 'C')),
    functional_result  text CHECK (functional_result IN ('passed', 'passed_with_issues', 'failed')),
    functional_notes   text CHECK (length(functional_notes) <= 2000),
    ram_upgraded_to_gb integer CHECK (ram_upgraded_to_gb BETWEEN 0 AND 4096),
    storage_upgraded_to_gb integer CHECK (storage_upgraded_to_gb BETWEEN 0 AND 1048576),
    os_installed       text CHECK (length(os_installed) <= 200),
    parts_cost_pence   integer CHECK (parts_cost_pence BETWEEN 0 AND 10000000),
    labour_minutes     integer CHECK (labour_minutes BETWEEN 0 AND 100000),
    beyond_repair_reason text CHECK (beyond_repair_reason IN (
                           'parts_unavailable', 'parts_too_expensive', 'cannot_open',
                           'no_repair_information', 'failed_tests', 'other')),
    version            integer NOT NULL DEFAULT 1,
    created_at         timestamptz NOT NULL DEFAULT now(),
    updated_at         timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT refurbishment_jobs_completed_has_results CHECK (
        status <> 'completed' OR (grade IS NOT NULL AND functional_result IN ('passed', 'passed_with_issues'))),
    CONSTRAINT refurbishment_jobs_beyond_repair_has_reason CHECK (
        status <> 'beyond_repair' OR beyond_repair_reason IS NOT NULL)
);
-- At most one open job per device, whatever the concurrency.
CREATE UNIQUE INDEX refurbishment_jobs_one_open_per_device ON refurbishment_jobs (device_id)
    WHERE status IN ('assigned', 'in_progress');
CREATE INDEX refurbishment_jobs_refurbisher_idx ON refurbishment_jobs (refurbisher_id, updated_at, id);
CREATE INDEX refurbishment_jobs_device_idx ON refurbishment_jobs (device_id);
CREATE INDEX refurbishment_jobs_updated_idx ON refurbishment_jobs (updated_at, id);

-- Data sanitisation (NIST SP 800-88 Rev. 1 levels).
CREATE TABLE wipe_records (
    id                     uuid PRIMARY KEY,
    job_id                 uuid NOT NULL REFERENCES refurbishment_jobs (id),
    device_id              uuid NOT NULL REFERENCES devices (id),
    level                  text NOT NULL CHECK (level IN ('clear', 'purge', 'destroy')),
    method                 text NOT NULL CHECK (method IN (
                               'ata_secure_erase', 'nvme_sanitize', 'cryptographic_erase', 'overwrite',
                               'factory_reset', 'degauss', 'physical_destruction')),
    tool                   text NOT NULL CHECK (length(tool) BETWEEN 1 AND 200),
    tool_version           text CHECK (length(tool_version) <= 100),
    certificate_reference  text CHECK (length(certificate_reference) <= 200),
    verified               boolean NOT NULL,
    operator_name          text NOT NULL CHECK (length(operator_name) BETWEEN 1 AND 200),
    performed_at           timestamptz NOT NULL,
    recorded_by            uuid REFERENCES users (id),
    created_at             timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX wipe_records_device_idx ON wipe_records (device_id) WHERE verified;
CREATE INDEX wipe_records_job_idx ON wipe_records (job_id);

-- Devices with no data storage need no wipe.
CREATE FUNCTION category_has_storage(category text) RETURNS boolean LANGUAGE sql IMMUTABLE AS $$
    SELECT category NOT IN ('monitor', 'monitor_small', 'monitor_large', 'accessory')
$$;

-- The wipe gate: no device with storage becomes ready (and so can be reserved, lent or sold)
-- without a verified wipe on record.
CREATE FUNCTION devices_wipe_gate() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF NEW.status IN ('ready', 'reserved', 'on_loan', 'sold')
       AND category_has_storage(NEW.category)
       AND NOT EXISTS (SELECT 1 FROM wipe_records w WHERE w.device_id = NEW.id AND w.verified) THEN
        RAISE EXCEPTION 'device % has no verified data wipe on record', NEW.asset_tag
            USING ERRCODE = 'check_violation', CONSTRAINT = 'devices_wipe_gate';
    END IF;
    RETURN NEW;
END;
$$;
CREATE TRIGGER devices_wipe_gate
    BEFORE INSERT OR UPDATE OF status, category ON devices
    FOR EACH ROW EXECUTE FUNCTION devices_wipe_gate();

CREATE TABLE disposal_records (
    id                   uuid PRIMARY KEY,
    device_id            uuid NOT NULL UNIQUE REFERENCES devices (id),
    recycler_id          uuid NOT NULL REFERENCES organisations (id),
    waste_transfer_note  text NOT NULL CHECK (length(waste_transfer_note) BETWEEN 1 AND 100),
    disposed_on          date NOT NULL,
    weight_g             integer CHECK (weight_g BETWEEN 1 AND 1000000),
    harvested_parts      text CHECK (length(harvested_parts) <= 2000),
    recorded_by          uuid REFERENCES users (id),
    created_at           timestamptz NOT NULL DEFAULT now()
);

-- Responses to POSTs sent with an Idempotency-Key, replayed on retry.
CREATE TABLE idempotency_keys (
    caller          text NOT NULL,
    key             text NOT NULL CHECK (length(key) BETWEEN 1 AND 255),
    method          text NOT NULL,
    path            text NOT NULL,
    request_sha256  bytea NOT NULL,
    status          integer,
    content_type    text,
    location        text,
    etag            text,
    body            bytea,
    created_at      timestamptz NOT NULL DEFAULT now(),
    completed_at    timestamptz,
    PRIMARY KEY (caller, key)
);
CREATE INDEX idempotency_keys_created_idx ON idempotency_keys (created_at);
