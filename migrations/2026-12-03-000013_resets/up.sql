-- Sanitised between people (DESIGN §10). A device handed to a resident and given back is not
-- handed to the next one until it has been sanitised again: a reset at the counter (factory reset,
-- reimage, account removal) or a new verified wipe, newer than its last hand-over. A return in
-- good order, or a refund, leaves the device `awaiting_reset`.
--
-- The device row carries the two times the gate compares, kept by triggers so no path can skip
-- them: `handed_over_at` (the latest time it became on loan or sold) and `sanitised_at` (the
-- latest verified wipe or reset). The gate refuses a device with storage entering ready, reserved,
-- on loan or sold without a verified wipe on record, or when it was handed over after its latest
-- sanitisation.

ALTER TABLE devices DROP CONSTRAINT devices_status_check;
ALTER TABLE devices ADD CONSTRAINT devices_status_check CHECK (status IN (
    'received', 'awaiting_refurbishment', 'in_refurbishment', 'ready', 'reserved', 'on_loan',
    'awaiting_reset', 'sold', 'beyond_repair', 'recycled', 'lost'));
ALTER TABLE devices ADD COLUMN handed_over_at timestamptz, ADD COLUMN sanitised_at timestamptz;

CREATE TABLE device_resets (
    scheme_id     uuid NOT NULL DEFAULT current_scheme() REFERENCES schemes (id),
    id            uuid NOT NULL,
    device_id     uuid NOT NULL,
    method        text NOT NULL CHECK (method IN ('factory_reset', 'reimage', 'account_removal')),
    verified      boolean NOT NULL,
    notes         text CHECK (length(notes) <= 2000),
    performed_at  timestamptz NOT NULL,
    recorded_by   uuid,
    created_at    timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT device_resets_pkey PRIMARY KEY (scheme_id, id),
    CONSTRAINT device_resets_device_id_fkey FOREIGN KEY (scheme_id, device_id) REFERENCES devices (scheme_id, id),
    CONSTRAINT device_resets_recorded_by_fkey FOREIGN KEY (scheme_id, recorded_by) REFERENCES users (scheme_id, id)
);
CREATE INDEX device_resets_device_idx ON device_resets (scheme_id, device_id, performed_at);
ALTER TABLE device_resets ENABLE ROW LEVEL SECURITY;
CREATE POLICY scheme_wall ON device_resets USING (scheme_id = current_scheme())
    WITH CHECK (scheme_id = current_scheme());

-- Resets are evidence, like the device's history: written once.
CREATE TRIGGER device_resets_no_update_or_delete
    BEFORE UPDATE OR DELETE ON device_resets
    FOR EACH ROW EXECUTE FUNCTION device_events_append_only();

-- Existing devices: their last hand-over and last verified wipe, from the record. Statuses are
-- left as they are; a device that went back to ready without being sanitised is refused at its
-- next hand-over until a reset is recorded (docs/decisions.md).
UPDATE devices d SET handed_over_at = e.at
FROM (SELECT scheme_id, device_id, max(occurred_at) AS at FROM device_events
      WHERE to_status IN ('on_loan', 'sold') AND from_status IS DISTINCT FROM to_status
      GROUP BY scheme_id, device_id) e
WHERE d.scheme_id = e.scheme_id AND d.id = e.device_id;
UPDATE devices d SET sanitised_at = w.at
FROM (SELECT scheme_id, device_id, max(performed_at) AS at FROM wipe_records WHERE verified
      GROUP BY scheme_id, device_id) w
WHERE d.scheme_id = w.scheme_id AND d.id = w.device_id;

-- A verified wipe or reset moves the device's sanitised time on (never back).
CREATE FUNCTION devices_sanitised() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF NEW.verified THEN
        UPDATE devices SET sanitised_at = GREATEST(sanitised_at, NEW.performed_at)
        WHERE scheme_id = NEW.scheme_id AND id = NEW.device_id;
    END IF;
    RETURN NULL;
END;
$$;
CREATE TRIGGER wipe_records_sanitise AFTER INSERT ON wipe_records
    FOR EACH ROW EXECUTE FUNCTION devices_sanitised();
CREATE TRIGGER device_resets_sanitise AFTER INSERT ON device_resets
    FOR EACH ROW EXECUTE FUNCTION devices_sanitised();

-- Whether a device may go to the next person: nothing to wipe, or a verified wipe on record and
-- no hand-over since its latest sanitisation.
CREATE FUNCTION device_sanitised_for_next(p_scheme uuid, p_category text, p_handed_over_at timestamptz,
                                          p_sanitised_at timestamptz) RETURNS boolean
LANGUAGE sql STABLE AS $$
    SELECT NOT category_has_storage(p_category)
        OR (p_sanitised_at IS NOT NULL AND (p_handed_over_at IS NULL OR p_sanitised_at > p_handed_over_at))
$$;

-- The gate decides from the evidence itself (the verified wipe and reset rows), not from the
-- cached `sanitised_at`, so no UPDATE of a column can open it. `handed_over_at` moves only at a
-- hand-over: any other change to it is ignored.
CREATE OR REPLACE FUNCTION devices_wipe_gate() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    entering boolean := TG_OP = 'INSERT' OR OLD.status IS DISTINCT FROM NEW.status
                        OR OLD.category IS DISTINCT FROM NEW.category;
    handing_over boolean := NEW.status IN ('on_loan', 'sold')
                            AND (TG_OP = 'INSERT' OR OLD.status IS DISTINCT FROM NEW.status);
    requested timestamptz := CASE WHEN TG_OP = 'INSERT' THEN NEW.handed_over_at
                                  WHEN NEW.handed_over_at IS DISTINCT FROM OLD.handed_over_at THEN NEW.handed_over_at END;
    last_wipe timestamptz;
    sanitised timestamptz := NEW.sanitised_at;
BEGIN
    NEW.handed_over_at := CASE WHEN TG_OP = 'UPDATE' THEN OLD.handed_over_at END;
    IF entering AND NEW.status IN ('ready', 'reserved', 'on_loan', 'sold') AND category_has_storage(NEW.category) THEN
        SELECT max(w.performed_at) INTO last_wipe FROM wipe_records w
        WHERE w.scheme_id = NEW.scheme_id AND w.device_id = NEW.id AND w.verified;
        IF last_wipe IS NULL THEN
            RAISE EXCEPTION 'device % has no verified data wipe on record', NEW.asset_tag
                USING ERRCODE = 'check_violation', CONSTRAINT = 'devices_wipe_gate';
        END IF;
        SELECT GREATEST(last_wipe, max(r.performed_at)) INTO sanitised FROM device_resets r
        WHERE r.scheme_id = NEW.scheme_id AND r.device_id = NEW.id AND r.verified;
        IF NEW.handed_over_at IS NOT NULL AND sanitised <= NEW.handed_over_at THEN
            RAISE EXCEPTION 'device % was handed over after it was last reset or wiped', NEW.asset_tag
                USING ERRCODE = 'check_violation', CONSTRAINT = 'devices_reset_gate';
        END IF;
    END IF;
    -- A hand-over: at the time given with the move (the demo's history), else now; never earlier
    -- than the sanitisation it used up, so that one cannot open the gate twice.
    IF handing_over THEN
        NEW.handed_over_at := GREATEST(COALESCE(requested, statement_timestamp()), sanitised);
    END IF;
    RETURN NEW;
END;
$$;
DROP TRIGGER devices_wipe_gate ON devices;
CREATE TRIGGER devices_wipe_gate
    BEFORE INSERT OR UPDATE OF status, category, handed_over_at ON devices
    FOR EACH ROW EXECUTE FUNCTION devices_wipe_gate();

-- A pop-up session may set aside only a device that can go to the next person.
CREATE FUNCTION sales_session_devices_sanitised() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF EXISTS (SELECT 1 FROM devices d
               WHERE d.scheme_id = NEW.scheme_id AND d.id = NEW.device_id
                 AND NOT device_sanitised_for_next(d.scheme_id, d.category, d.handed_over_at, d.sanitised_at)) THEN
        RAISE EXCEPTION 'device was handed over after it was last reset or wiped'
            USING ERRCODE = 'check_violation', CONSTRAINT = 'devices_reset_gate';
    END IF;
    RETURN NEW;
END;
$$;
CREATE TRIGGER sales_session_devices_sanitised BEFORE INSERT ON sales_session_devices
    FOR EACH ROW EXECUTE FUNCTION sales_session_devices_sanitised();
