-- Residents (minimum personal data, erasable), pop-up sales sessions, and subsidised sales with
-- receipts numbered per year and refunds.

CREATE SEQUENCE resident_reference_seq;
CREATE FUNCTION next_resident_reference() RETURNS text LANGUAGE sql VOLATILE AS $$
    SELECT 'R-' || CASE WHEN n < 1000000 THEN lpad(n::text, 6, '0') ELSE n::text END
    FROM (SELECT nextval('resident_reference_seq') AS n) AS next
$$;

CREATE TABLE residents (
    id                       uuid PRIMARY KEY,
    reference                text NOT NULL DEFAULT next_resident_reference(),
    -- Personal fields: all NULL once the resident is erased.
    name                     text CHECK (length(name) BETWEEN 1 AND 200),
    phone                    text CHECK (length(phone) BETWEEN 1 AND 40),
    email                    text CHECK (length(email) BETWEEN 3 AND 254),
    postcode                 text CHECK (length(postcode) BETWEEN 5 AND 8),
    -- Kept after erasure, so aggregate figures stay whole.
    ward_id                  uuid REFERENCES wards (id),
    eligibility              text NOT NULL CHECK (eligibility IN (
                                 'universal_credit', 'pension_credit', 'income_support', 'jsa_esa',
                                 'pip_dla', 'housing_benefit', 'council_tax_support',
                                 'partner_referral', 'care_leaver', 'other')),
    eligibility_verified_by  uuid REFERENCES users (id),
    eligibility_verified_on  date NOT NULL,
    contact_consent          boolean NOT NULL DEFAULT false,
    registered_at_hub_id     uuid REFERENCES hubs (id),
    last_activity_at         timestamptz NOT NULL DEFAULT now(),
    erased_at                timestamptz,
    version                  integer NOT NULL DEFAULT 1,
    created_at               timestamptz NOT NULL DEFAULT now(),
    updated_at               timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT residents_erased_hold_nothing CHECK (
        erased_at IS NULL OR (name IS NULL AND phone IS NULL AND email IS NULL AND postcode IS NULL)),
    CONSTRAINT residents_named_until_erased CHECK (erased_at IS NOT NULL OR name IS NOT NULL)
);
CREATE UNIQUE INDEX residents_reference_key ON residents (reference);
CREATE INDEX residents_lookup_idx ON residents (lower(name), postcode) WHERE erased_at IS NULL;
CREATE INDEX residents_activity_idx ON residents (last_activity_at) WHERE erased_at IS NULL;

CREATE TABLE sales_sessions (
    id          uuid PRIMARY KEY,
    hub_id      uuid NOT NULL REFERENCES hubs (id),
    held_on     date NOT NULL,
    name        text CHECK (length(name) <= 200),
    closed_at   timestamptz,
    -- Devices still set aside when the session closed (they went back to stock).
    unsold_at_close integer CHECK (unsold_at_close >= 0),
    created_by  uuid REFERENCES users (id),
    version     integer NOT NULL DEFAULT 1,
    created_at  timestamptz NOT NULL DEFAULT now(),
    updated_at  timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX sales_sessions_hub_idx ON sales_sessions (hub_id, held_on);

-- Devices set aside for a session; released (deleted) when the session closes unsold.
CREATE TABLE sales_session_devices (
    session_id  uuid NOT NULL REFERENCES sales_sessions (id),
    device_id   uuid NOT NULL REFERENCES devices (id),
    PRIMARY KEY (session_id, device_id)
);
-- A device is set aside for at most one session at a time.
CREATE UNIQUE INDEX sales_session_devices_one_session ON sales_session_devices (device_id);

-- Receipt numbers run per calendar year; the counter row is locked by the selling transaction,
-- so numbers are sequential, never skipped by a committed sale, and never reused.
CREATE TABLE receipt_counters (
    year  integer PRIMARY KEY,
    last  integer NOT NULL DEFAULT 0
);

CREATE TABLE sales (
    id                      uuid PRIMARY KEY,
    receipt_number          text NOT NULL,
    device_id               uuid NOT NULL REFERENCES devices (id),
    resident_id             uuid NOT NULL REFERENCES residents (id),
    hub_id                  uuid NOT NULL REFERENCES hubs (id),
    session_id              uuid REFERENCES sales_sessions (id),
    price_pence             integer NOT NULL CHECK (price_pence BETWEEN 0 AND 10000000),
    market_value_pence      integer NOT NULL CHECK (market_value_pence BETWEEN 0 AND 10000000),
    subsidy_pence           integer NOT NULL CHECK (subsidy_pence >= 0),
    payment_method          text NOT NULL CHECK (payment_method IN ('cash', 'card', 'voucher', 'free')),
    sold_by                 uuid REFERENCES users (id),
    sold_at                 timestamptz NOT NULL DEFAULT now(),
    override_reason         text CHECK (length(override_reason) BETWEEN 1 AND 500),
    overridden_by           uuid REFERENCES users (id),
    refunded_at             timestamptz,
    refund_reason           text CHECK (length(refund_reason) <= 500),
    refund_faulty           boolean,
    refunded_by             uuid REFERENCES users (id),
    version                 integer NOT NULL DEFAULT 1,
    created_at              timestamptz NOT NULL DEFAULT now(),
    updated_at              timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT sales_subsidy_adds_up CHECK (subsidy_pence = greatest(market_value_pence - price_pence, 0)),
    CONSTRAINT sales_free_is_free CHECK (payment_method <> 'free' OR price_pence = 0),
    CONSTRAINT sales_refund_complete CHECK ((refunded_at IS NULL) = (refund_faulty IS NULL))
);
CREATE UNIQUE INDEX sales_receipt_number_key ON sales (receipt_number);
-- A device is sold to one person at a time, whatever the concurrency.
CREATE UNIQUE INDEX sales_one_active_per_device ON sales (device_id) WHERE refunded_at IS NULL;
CREATE INDEX sales_resident_idx ON sales (resident_id, sold_at);
CREATE INDEX sales_session_idx ON sales (session_id);
