-- Inventory: organisations' contact details, donations, devices with their lifecycle status, and
-- the append-only custody history.

ALTER TABLE organisations
    ADD COLUMN contact_name  text CHECK (length(contact_name) <= 200),
    ADD COLUMN contact_email text CHECK (length(contact_email) <= 254),
    ADD COLUMN contact_phone text CHECK (length(contact_phone) <= 40),
    ADD COLUMN address       text CHECK (length(address) <= 500),
    ADD COLUMN notes         text CHECK (length(notes) <= 2000),
    ADD CONSTRAINT organisations_roles_not_empty CHECK (cardinality(roles) >= 1);

CREATE TABLE donations (
    id                     uuid PRIMARY KEY,
    donor_id               uuid NOT NULL REFERENCES organisations (id),
    hub_id                 uuid NOT NULL REFERENCES hubs (id),
    received_on            date NOT NULL,
    donor_reference        text CHECK (length(donor_reference) <= 200),
    declared_device_count  integer CHECK (declared_device_count BETWEEN 0 AND 100000),
    collection_notes       text CHECK (length(collection_notes) <= 2000),
    created_by             uuid REFERENCES users (id),
    version                integer NOT NULL DEFAULT 1,
    created_at             timestamptz NOT NULL DEFAULT now(),
    updated_at             timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX donations_donor_idx ON donations (donor_id);
CREATE INDEX donations_hub_idx ON donations (hub_id);

-- Asset tags come from a sequence: never reused, even when a transaction rolls back.
-- T4A-000001 … T4A-999999, then T4A-1000000 and on (never truncated).
CREATE SEQUENCE device_asset_tag_seq;
CREATE FUNCTION next_asset_tag() RETURNS text LANGUAGE sql VOLATILE AS $$
    SELECT 'T4A-' || CASE WHEN n < 1000000 THEN lpad(n::text, 6, '0') ELSE n::text END
    FROM (SELECT nextval('device_asset_tag_seq') AS n) AS next
$$;

CREATE TABLE devices (
    id                  uuid PRIMARY KEY,
    asset_tag           text NOT NULL DEFAULT next_asset_tag(),
    serial_number       text CHECK (length(serial_number) BETWEEN 1 AND 100),
    make                text CHECK (length(make) <= 100),
    model               text CHECK (length(model) <= 200),
    category            text NOT NULL CHECK (category IN (
                            'laptop', 'laptop_small', 'laptop_large', 'desktop', 'tablet', 'phone',
                            'monitor', 'monitor_small', 'monitor_large', 'router', 'printer', 'accessory')),
    cpu                 text CHECK (length(cpu) <= 200),
    ram_gb              integer CHECK (ram_gb BETWEEN 0 AND 4096),
    storage_gb          integer CHECK (storage_gb BETWEEN 0 AND 1048576),
    storage_type        text CHECK (storage_type IN ('hdd', 'ssd', 'nvme', 'emmc', 'none')),
    operating_system    text CHECK (length(operating_system) <= 200),
    battery_health_pct  integer CHECK (battery_health_pct BETWEEN 0 AND 100),
    -- Grams, so weights add up exactly; the API shows kilograms.
    weight_g            integer CHECK (weight_g BETWEEN 1 AND 1000000),
    grade               text CHECK (grade IN ('A', 'B', 'C')),
    notes               text CHECK (length(notes) <= 2000),
    status              text NOT NULL DEFAULT 'received' CHECK (status IN (
                            'received', 'awaiting_refurbishment', 'in_refurbishment', 'ready',
                            'reserved', 'on_loan', 'sold', 'beyond_repair', 'recycled', 'lost')),
    hub_id              uuid REFERENCES hubs (id),
    -- Set while the device travels to another hub; cleared when that hub receives it.
    transfer_to_hub_id  uuid REFERENCES hubs (id),
    donation_id         uuid REFERENCES donations (id),
    version             integer NOT NULL DEFAULT 1,
    created_at          timestamptz NOT NULL DEFAULT now(),
    updated_at          timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT devices_transfer_elsewhere CHECK (transfer_to_hub_id IS DISTINCT FROM hub_id)
);
CREATE UNIQUE INDEX devices_asset_tag_key ON devices (asset_tag);
CREATE UNIQUE INDEX devices_serial_key ON devices (lower(coalesce(make, '')), upper(serial_number))
    WHERE serial_number IS NOT NULL;
CREATE INDEX devices_serial_idx ON devices (upper(serial_number));
CREATE INDEX devices_hub_idx ON devices (hub_id, id);
CREATE INDEX devices_transfer_idx ON devices (transfer_to_hub_id) WHERE transfer_to_hub_id IS NOT NULL;
CREATE INDEX devices_donation_idx ON devices (donation_id, id);
CREATE INDEX devices_status_idx ON devices (status, id);
CREATE INDEX devices_updated_idx ON devices (updated_at);

-- Custody history: one row per change, written in the same transaction as the change.
CREATE TABLE device_events (
    id           uuid PRIMARY KEY,
    device_id    uuid NOT NULL REFERENCES devices (id),
    occurred_at  timestamptz NOT NULL DEFAULT now(),
    actor_id     uuid REFERENCES users (id),
    kind         text NOT NULL CHECK (length(kind) BETWEEN 1 AND 60),
    from_status  text,
    to_status    text,
    from_hub_id  uuid REFERENCES hubs (id),
    to_hub_id    uuid REFERENCES hubs (id),
    details      jsonb NOT NULL DEFAULT '{}'
);
CREATE INDEX device_events_device_idx ON device_events (device_id, id);

CREATE FUNCTION device_events_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'device history is append-only' USING ERRCODE = 'restrict_violation';
END;
$$;
CREATE TRIGGER device_events_no_update_or_delete
    BEFORE UPDATE OR DELETE ON device_events
    FOR EACH ROW EXECUTE FUNCTION device_events_append_only();
CREATE TRIGGER device_events_no_truncate
    BEFORE TRUNCATE ON device_events
    FOR EACH STATEMENT EXECUTE FUNCTION device_events_append_only();
