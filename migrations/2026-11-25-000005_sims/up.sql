-- Connectivity: SIM card and data-voucher batches, their stock, and allocations to residents.

CREATE TABLE sim_batches (
    id                 uuid PRIMARY KEY,
    supplier_id        uuid NOT NULL REFERENCES organisations (id),
    network            text NOT NULL CHECK (length(btrim(network)) BETWEEN 1 AND 60),
    kind               text NOT NULL CHECK (kind IN ('physical_sim', 'data_voucher')),
    data_gb_per_month  integer NOT NULL CHECK (data_gb_per_month BETWEEN 1 AND 10000),
    duration_months    integer NOT NULL CHECK (duration_months BETWEEN 1 AND 60),
    received_on        date NOT NULL,
    hub_id             uuid NOT NULL REFERENCES hubs (id),
    reference          text CHECK (length(reference) <= 200),
    version            integer NOT NULL DEFAULT 1,
    created_at         timestamptz NOT NULL DEFAULT now(),
    updated_at         timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX sim_batches_hub_idx ON sim_batches (hub_id);

CREATE TABLE sims (
    id            uuid PRIMARY KEY,
    batch_id      uuid NOT NULL REFERENCES sim_batches (id),
    -- Copied from the batch so voucher codes can be unique per supplier in one index.
    supplier_id   uuid NOT NULL REFERENCES organisations (id),
    iccid         text CHECK (iccid ~ '^[0-9]{19,20}$'),
    voucher_code  text CHECK (length(voucher_code) BETWEEN 4 AND 64),
    status        text NOT NULL DEFAULT 'in_stock' CHECK (status IN ('in_stock', 'allocated', 'retired')),
    created_at    timestamptz NOT NULL DEFAULT now(),
    updated_at    timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT sims_one_identifier CHECK ((iccid IS NULL) <> (voucher_code IS NULL))
);
CREATE UNIQUE INDEX sims_iccid_key ON sims (iccid) WHERE iccid IS NOT NULL;
CREATE UNIQUE INDEX sims_voucher_code_key ON sims (supplier_id, voucher_code) WHERE voucher_code IS NOT NULL;
CREATE INDEX sims_available_idx ON sims (batch_id, id) WHERE status = 'in_stock';

CREATE TABLE sim_allocations (
    id               uuid PRIMARY KEY,
    sim_id           uuid NOT NULL REFERENCES sims (id),
    resident_id      uuid NOT NULL REFERENCES residents (id),
    hub_id           uuid NOT NULL REFERENCES hubs (id),
    allocated_by     uuid REFERENCES users (id),
    allocated_on     date NOT NULL,
    expires_on       date NOT NULL,
    sale_id          uuid REFERENCES sales (id),
    loan_id          uuid,
    replaces_id      uuid REFERENCES sim_allocations (id),
    ended_at         timestamptz,
    end_reason       text CHECK (end_reason IN ('returned', 'lost', 'expired')),
    ended_by         uuid REFERENCES users (id),
    version          integer NOT NULL DEFAULT 1,
    created_at       timestamptz NOT NULL DEFAULT now(),
    updated_at       timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT sim_allocations_end_complete CHECK ((ended_at IS NULL) = (end_reason IS NULL)),
    CONSTRAINT sim_allocations_expiry_after_start CHECK (expires_on > allocated_on)
);
-- One holder per SIM at a time, whatever the concurrency.
CREATE UNIQUE INDEX sim_allocations_one_holder ON sim_allocations (sim_id) WHERE ended_at IS NULL;
CREATE INDEX sim_allocations_resident_idx ON sim_allocations (resident_id) WHERE ended_at IS NULL;
CREATE INDEX sim_allocations_expiry_idx ON sim_allocations (expires_on) WHERE ended_at IS NULL;
