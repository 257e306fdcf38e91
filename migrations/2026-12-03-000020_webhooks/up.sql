-- Webhooks (DESIGN §11): organisations subscribe a URL to event types; each event is written to
-- `webhook_deliveries` by a trigger on the change that causes it, in that change's transaction,
-- one row per matching subscription. The worker signs and posts them (Standard Webhooks),
-- retrying with backoff for more than a day.

CREATE TABLE webhooks (
    scheme_id        uuid NOT NULL DEFAULT current_scheme() REFERENCES schemes (id),
    id               uuid NOT NULL,
    -- The partner charity it belongs to; NULL for the scheme's own (managed by admins).
    organisation_id  uuid,
    url              text NOT NULL CHECK (length(url) BETWEEN 10 AND 2000),
    event_types      text[] NOT NULL CHECK (cardinality(event_types) BETWEEN 1 AND 7 AND event_types <@ ARRAY[
                         'job.assigned', 'job.changed', 'device.status_changed', 'wipe.recorded',
                         'loan.out', 'loan.back', 'sale.made']),
    description      text CHECK (length(description) <= 200),
    -- `whsec_` and the base64 of 32 random bytes, as Standard Webhooks specifies.
    secret           text NOT NULL CHECK (secret LIKE 'whsec\_%'),
    enabled          boolean NOT NULL DEFAULT true,
    disabled_at      timestamptz,
    disabled_reason  text,
    last_success_at  timestamptz,
    version          integer NOT NULL DEFAULT 1,
    created_by       uuid,
    created_at       timestamptz NOT NULL DEFAULT now(),
    updated_at       timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT webhooks_pkey PRIMARY KEY (scheme_id, id),
    CONSTRAINT webhooks_organisation_id_fkey FOREIGN KEY (scheme_id, organisation_id)
        REFERENCES organisations (scheme_id, id),
    CONSTRAINT webhooks_created_by_fkey FOREIGN KEY (scheme_id, created_by) REFERENCES users (scheme_id, id),
    CONSTRAINT webhooks_disabled_when CHECK (enabled = (disabled_at IS NULL)),
    -- Partners hear only about their own jobs and devices: never loans or sales.
    CONSTRAINT webhooks_partner_events CHECK (organisation_id IS NULL OR event_types <@ ARRAY[
        'job.assigned', 'job.changed', 'device.status_changed', 'wipe.recorded'])
);
CREATE INDEX webhooks_enabled_idx ON webhooks (scheme_id) WHERE enabled;
ALTER TABLE webhooks ENABLE ROW LEVEL SECURITY;
CREATE POLICY scheme_wall ON webhooks USING (scheme_id = current_scheme()) WITH CHECK (scheme_id = current_scheme());

CREATE TABLE webhook_deliveries (
    scheme_id         uuid NOT NULL DEFAULT current_scheme() REFERENCES schemes (id),
    -- Also the message's `webhook-id` (`msg_` and this), the same on every attempt.
    id                uuid NOT NULL,
    webhook_id        uuid NOT NULL,
    event_type        text NOT NULL,
    -- The body sent: {"type", "timestamp", "data"}.
    payload           jsonb NOT NULL,
    status            text NOT NULL DEFAULT 'pending'
                          CHECK (status IN ('pending', 'sending', 'delivered', 'gave_up')),
    attempts          integer NOT NULL DEFAULT 0 CHECK (attempts >= 0),
    next_attempt_at   timestamptz NOT NULL DEFAULT now(),
    claimed_until     timestamptz,
    last_status_code  integer,
    last_error        text,
    created_at        timestamptz NOT NULL DEFAULT now(),
    delivered_at      timestamptz,
    CONSTRAINT webhook_deliveries_pkey PRIMARY KEY (scheme_id, id),
    CONSTRAINT webhook_deliveries_webhook_id_fkey FOREIGN KEY (scheme_id, webhook_id)
        REFERENCES webhooks (scheme_id, id) ON DELETE CASCADE,
    CONSTRAINT webhook_deliveries_delivered_when CHECK ((status = 'delivered') = (delivered_at IS NOT NULL))
);
CREATE INDEX webhook_deliveries_due_idx ON webhook_deliveries (next_attempt_at) WHERE status IN ('pending', 'sending');
CREATE INDEX webhook_deliveries_log_idx ON webhook_deliveries (scheme_id, webhook_id, created_at DESC, id);
ALTER TABLE webhook_deliveries ENABLE ROW LEVEL SECURITY;
CREATE POLICY scheme_wall ON webhook_deliveries USING (scheme_id = current_scheme())
    WITH CHECK (scheme_id = current_scheme());

-- Queues an event for every enabled subscription of the scheme to its type; a partner's only
-- when the event is about that partner's job or device (`p_partner`).
CREATE FUNCTION webhook_emit(p_scheme uuid, p_type text, p_partner uuid, p_data jsonb) RETURNS void
LANGUAGE sql AS $$
    INSERT INTO webhook_deliveries (scheme_id, id, webhook_id, event_type, payload)
    SELECT w.scheme_id, gen_random_uuid(), w.id, p_type,
           jsonb_build_object('type', p_type,
                              'timestamp', to_char(now() AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'),
                              'data', p_data)
    FROM webhooks w
    WHERE w.scheme_id = p_scheme AND w.enabled AND p_type = ANY (w.event_types)
      AND (w.organisation_id IS NULL OR w.organisation_id = p_partner)
$$;

-- The refurbisher of a job named in an event's details, if any.
CREATE FUNCTION webhook_job_partner(p_scheme uuid, p_details jsonb) RETURNS uuid LANGUAGE sql STABLE AS $$
    SELECT j.refurbisher_id FROM refurbishment_jobs j
    WHERE j.scheme_id = p_scheme
      AND p_details ->> 'job_id' ~ '^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$'
      AND j.id = (p_details ->> 'job_id')::uuid
$$;

-- A device's history row: its status change, a loan going out or coming back, a sale.
CREATE FUNCTION webhooks_from_device_events() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    tag text;
BEGIN
    IF NOT EXISTS (SELECT 1 FROM webhooks w WHERE w.scheme_id = NEW.scheme_id AND w.enabled) THEN
        RETURN NULL;
    END IF;
    SELECT d.asset_tag INTO tag FROM devices d WHERE d.scheme_id = NEW.scheme_id AND d.id = NEW.device_id;
    IF NEW.to_status IS NOT NULL AND NEW.to_status IS DISTINCT FROM NEW.from_status THEN
        PERFORM webhook_emit(NEW.scheme_id, 'device.status_changed', webhook_job_partner(NEW.scheme_id, NEW.details),
            jsonb_build_object('device_id', NEW.device_id, 'asset_tag', tag, 'event', NEW.kind,
                               'from_status', NEW.from_status, 'to_status', NEW.to_status,
                               'hub_id', COALESCE(NEW.to_hub_id, NEW.from_hub_id), 'job_id', NEW.details -> 'job_id',
                               'occurred_at', NEW.occurred_at));
    END IF;
    IF NEW.kind = 'lent' THEN
        PERFORM webhook_emit(NEW.scheme_id, 'loan.out', NULL,
            jsonb_build_object('loan_id', NEW.details -> 'loan_id', 'device_id', NEW.device_id, 'asset_tag', tag,
                               'hub_id', COALESCE(NEW.to_hub_id, NEW.from_hub_id), 'due_on', NEW.details -> 'due_on',
                               'occurred_at', NEW.occurred_at));
    ELSIF NEW.kind = 'returned' THEN
        PERFORM webhook_emit(NEW.scheme_id, 'loan.back', NULL,
            jsonb_build_object('loan_id', NEW.details -> 'loan_id', 'device_id', NEW.device_id, 'asset_tag', tag,
                               'hub_id', COALESCE(NEW.to_hub_id, NEW.from_hub_id), 'to_status', NEW.to_status,
                               'occurred_at', NEW.occurred_at));
    ELSIF NEW.kind = 'sold' THEN
        PERFORM webhook_emit(NEW.scheme_id, 'sale.made', NULL,
            jsonb_build_object('sale_id', NEW.details -> 'sale_id', 'device_id', NEW.device_id, 'asset_tag', tag,
                               'hub_id', COALESCE(NEW.to_hub_id, NEW.from_hub_id),
                               'receipt_number', NEW.details -> 'receipt_number', 'occurred_at', NEW.occurred_at));
    END IF;
    RETURN NULL;
END;
$$;
CREATE TRIGGER webhooks_from_device_events AFTER INSERT ON device_events
    FOR EACH ROW EXECUTE FUNCTION webhooks_from_device_events();

CREATE FUNCTION webhooks_from_jobs() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM webhooks w WHERE w.scheme_id = NEW.scheme_id AND w.enabled) THEN
        RETURN NULL;
    END IF;
    IF TG_OP = 'INSERT' THEN
        PERFORM webhook_emit(NEW.scheme_id, 'job.assigned', NEW.refurbisher_id,
            jsonb_build_object('job_id', NEW.id, 'device_id', NEW.device_id, 'refurbisher_id', NEW.refurbisher_id,
                               'status', NEW.status, 'return_hub_id', NEW.return_hub_id, 'version', NEW.version));
    ELSIF NEW.version IS DISTINCT FROM OLD.version OR NEW.status IS DISTINCT FROM OLD.status THEN
        PERFORM webhook_emit(NEW.scheme_id, 'job.changed', NEW.refurbisher_id,
            jsonb_build_object('job_id', NEW.id, 'device_id', NEW.device_id, 'refurbisher_id', NEW.refurbisher_id,
                               'from_status', OLD.status, 'status', NEW.status, 'version', NEW.version));
    END IF;
    RETURN NULL;
END;
$$;
CREATE TRIGGER webhooks_from_jobs AFTER INSERT OR UPDATE ON refurbishment_jobs
    FOR EACH ROW EXECUTE FUNCTION webhooks_from_jobs();

CREATE FUNCTION webhooks_from_wipes() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM webhooks w WHERE w.scheme_id = NEW.scheme_id AND w.enabled) THEN
        RETURN NULL;
    END IF;
    PERFORM webhook_emit(NEW.scheme_id, 'wipe.recorded',
        (SELECT j.refurbisher_id FROM refurbishment_jobs j WHERE j.scheme_id = NEW.scheme_id AND j.id = NEW.job_id),
        jsonb_build_object('wipe_id', NEW.id, 'job_id', NEW.job_id, 'device_id', NEW.device_id,
                           'level', NEW.level, 'method', NEW.method, 'verified', NEW.verified,
                           'performed_at', NEW.performed_at));
    RETURN NULL;
END;
$$;
CREATE TRIGGER webhooks_from_wipes AFTER INSERT ON wipe_records
    FOR EACH ROW EXECUTE FUNCTION webhooks_from_wipes();

-- The worker claims due deliveries across schemes (as the owner, past row-level security,
-- through this function alone), then handles each inside its own scheme.
CREATE FUNCTION webhook_claim(p_limit integer, p_lease_seconds integer)
RETURNS TABLE (scheme_id uuid, id uuid)
LANGUAGE sql SECURITY DEFINER SET search_path = public AS $$
    UPDATE webhook_deliveries o SET status = 'sending', attempts = o.attempts + 1,
                                    claimed_until = now() + make_interval(secs => p_lease_seconds)
    WHERE (o.scheme_id, o.id) IN (
        SELECT d.scheme_id, d.id FROM webhook_deliveries d
        WHERE (d.status = 'pending' AND d.next_attempt_at <= now())
           OR (d.status = 'sending' AND d.claimed_until < now())
        ORDER BY d.next_attempt_at
        LIMIT p_limit
        FOR UPDATE SKIP LOCKED)
    RETURNING o.scheme_id, o.id
$$;
REVOKE ALL ON FUNCTION webhook_claim(integer, integer) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION webhook_claim(integer, integer) TO tech4all_app;

-- A subscription switched off persistently failing tells the person who set it up, by email.
ALTER TABLE outbox ADD COLUMN user_id uuid;
ALTER TABLE outbox ADD CONSTRAINT outbox_user_id_fkey FOREIGN KEY (scheme_id, user_id) REFERENCES users (scheme_id, id);
ALTER TABLE outbox DROP CONSTRAINT outbox_kind_check;
ALTER TABLE outbox ADD CONSTRAINT outbox_kind_check CHECK (kind IN ('loan_due_soon', 'loan_overdue', 'hold_ready',
    'hold_lapsing', 'sim_ending', 'sale_receipt', 'webhook_disabled'));
