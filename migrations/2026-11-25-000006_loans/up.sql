-- Device loans from library hubs: rules per hub and category, loans, and holds (the waiting list).

CREATE TABLE loan_rules (
    id                        uuid PRIMARY KEY,
    -- NULL hub and/or category: the rule applies to every hub / category without a closer rule.
    hub_id                    uuid REFERENCES hubs (id),
    category                  text CHECK (category IN (
                                  'laptop', 'laptop_small', 'laptop_large', 'desktop', 'tablet', 'phone',
                                  'monitor', 'monitor_small', 'monitor_large', 'router', 'printer', 'accessory')),
    loan_days                 integer NOT NULL DEFAULT 21 CHECK (loan_days BETWEEN 1 AND 365),
    renewal_days              integer NOT NULL DEFAULT 21 CHECK (renewal_days BETWEEN 1 AND 365),
    max_renewals              integer NOT NULL DEFAULT 2 CHECK (max_renewals BETWEEN 0 AND 20),
    max_active_loans          integer NOT NULL DEFAULT 1 CHECK (max_active_loans BETWEEN 1 AND 10),
    borrow_while_overdue      boolean NOT NULL DEFAULT false,
    renew_overdue_up_to_days  integer NOT NULL DEFAULT 0 CHECK (renew_overdue_up_to_days BETWEEN 0 AND 365),
    hold_days                 integer NOT NULL DEFAULT 3 CHECK (hold_days BETWEEN 1 AND 60),
    lost_after_days           integer NOT NULL DEFAULT 60 CHECK (lost_after_days BETWEEN 1 AND 3650),
    version                   integer NOT NULL DEFAULT 1,
    created_at                timestamptz NOT NULL DEFAULT now(),
    updated_at                timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT loan_rules_scope_key UNIQUE NULLS NOT DISTINCT (hub_id, category)
);
INSERT INTO loan_rules (id, hub_id, category) VALUES ('00000000-0000-7000-8000-000000000001', NULL, NULL);

CREATE TABLE loans (
    id                  uuid PRIMARY KEY,
    device_id           uuid NOT NULL REFERENCES devices (id),
    resident_id         uuid NOT NULL REFERENCES residents (id),
    hub_id              uuid NOT NULL REFERENCES hubs (id),
    lent_by             uuid REFERENCES users (id),
    lent_at             timestamptz NOT NULL DEFAULT now(),
    -- A date in the scheme's time zone (Europe/London): due back by the end of that day.
    due_on              date NOT NULL,
    renewals            integer NOT NULL DEFAULT 0 CHECK (renewals >= 0),
    returned_at         timestamptz,
    returned_to_hub_id  uuid REFERENCES hubs (id),
    return_condition    text CHECK (return_condition IN ('ok', 'damaged', 'missing_parts')),
    return_notes        text CHECK (length(return_notes) <= 2000),
    received_by         uuid REFERENCES users (id),
    lost_at             timestamptz,
    version             integer NOT NULL DEFAULT 1,
    created_at          timestamptz NOT NULL DEFAULT now(),
    updated_at          timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT loans_return_complete CHECK ((returned_at IS NULL) = (return_condition IS NULL)),
    CONSTRAINT loans_not_both CHECK (returned_at IS NULL OR lost_at IS NULL)
);
-- At most one open loan per device, whatever the concurrency.
CREATE UNIQUE INDEX loans_one_open_per_device ON loans (device_id) WHERE returned_at IS NULL AND lost_at IS NULL;
CREATE INDEX loans_resident_idx ON loans (resident_id) WHERE returned_at IS NULL AND lost_at IS NULL;
CREATE INDEX loans_due_idx ON loans (hub_id, due_on) WHERE returned_at IS NULL AND lost_at IS NULL;

CREATE TABLE holds (
    id           uuid PRIMARY KEY,
    resident_id  uuid NOT NULL REFERENCES residents (id),
    hub_id       uuid NOT NULL REFERENCES hubs (id),
    category     text NOT NULL CHECK (category IN (
                     'laptop', 'laptop_small', 'laptop_large', 'desktop', 'tablet', 'phone',
                     'monitor', 'monitor_small', 'monitor_large', 'router', 'printer', 'accessory')),
    status       text NOT NULL DEFAULT 'waiting' CHECK (status IN ('waiting', 'ready', 'fulfilled', 'expired', 'cancelled')),
    device_id    uuid REFERENCES devices (id),
    ready_at     timestamptz,
    expires_at   timestamptz,
    created_by   uuid REFERENCES users (id),
    version      integer NOT NULL DEFAULT 1,
    created_at   timestamptz NOT NULL DEFAULT now(),
    updated_at   timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT holds_ready_has_device CHECK (status <> 'ready' OR (device_id IS NOT NULL AND expires_at IS NOT NULL)),
    CONSTRAINT holds_waiting_has_none CHECK (status <> 'waiting' OR device_id IS NULL)
);
CREATE UNIQUE INDEX holds_one_open_per_resident ON holds (resident_id, hub_id, category) WHERE status IN ('waiting', 'ready');
CREATE UNIQUE INDEX holds_one_per_device ON holds (device_id) WHERE status = 'ready';
CREATE INDEX holds_queue_idx ON holds (hub_id, category, created_at) WHERE status = 'waiting';

-- SIM allocations made for a loan now point at it.
ALTER TABLE sim_allocations ADD CONSTRAINT sim_allocations_loan_id_fkey FOREIGN KEY (loan_id) REFERENCES loans (id);
