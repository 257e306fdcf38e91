-- Stocktakes (DESIGN §10): a count of the devices that should be at a hub. Opening one snapshots
-- them; staff scan tags, QR labels or serials (several at once; a repeated scan is harmless);
-- closing applies the decisions (mark the missing lost, receive the unexpected here) as ordinary
-- moves with history. One open count per hub; of two closes, one wins.

CREATE TABLE stocktakes (
    scheme_id   uuid NOT NULL DEFAULT current_scheme() REFERENCES schemes (id),
    id          uuid NOT NULL,
    hub_id      uuid NOT NULL,
    status      text NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'closed')),
    notes       text CHECK (length(notes) <= 2000),
    opened_by   uuid,
    opened_at   timestamptz NOT NULL DEFAULT now(),
    closed_by   uuid,
    closed_at   timestamptz,
    -- What closing did: the devices marked lost and received here.
    outcome     jsonb,
    version     integer NOT NULL DEFAULT 1,
    CONSTRAINT stocktakes_pkey PRIMARY KEY (scheme_id, id),
    CONSTRAINT stocktakes_hub_id_fkey FOREIGN KEY (scheme_id, hub_id) REFERENCES hubs (scheme_id, id),
    CONSTRAINT stocktakes_opened_by_fkey FOREIGN KEY (scheme_id, opened_by) REFERENCES users (scheme_id, id),
    CONSTRAINT stocktakes_closed_by_fkey FOREIGN KEY (scheme_id, closed_by) REFERENCES users (scheme_id, id),
    CONSTRAINT stocktakes_closed_when CHECK ((status = 'closed') = (closed_at IS NOT NULL))
);
CREATE UNIQUE INDEX stocktakes_one_open_per_hub ON stocktakes (scheme_id, hub_id) WHERE status = 'open';
CREATE INDEX stocktakes_hub_idx ON stocktakes (scheme_id, hub_id, id);

-- The devices recorded at the hub, at rest, in stock, when the count opened, and their status then.
CREATE TABLE stocktake_expected (
    scheme_id     uuid NOT NULL DEFAULT current_scheme() REFERENCES schemes (id),
    stocktake_id  uuid NOT NULL,
    device_id     uuid NOT NULL,
    status        text NOT NULL,
    CONSTRAINT stocktake_expected_pkey PRIMARY KEY (scheme_id, stocktake_id, device_id),
    CONSTRAINT stocktake_expected_stocktake_id_fkey FOREIGN KEY (scheme_id, stocktake_id)
        REFERENCES stocktakes (scheme_id, id) ON DELETE CASCADE,
    CONSTRAINT stocktake_expected_device_id_fkey FOREIGN KEY (scheme_id, device_id) REFERENCES devices (scheme_id, id)
);

-- Every distinct code scanned, and the device it named (none: the code matched nothing, or more
-- than one device). A code, or a device by any of its codes, is counted once.
CREATE TABLE stocktake_scans (
    scheme_id     uuid NOT NULL DEFAULT current_scheme() REFERENCES schemes (id),
    id            uuid NOT NULL,
    stocktake_id  uuid NOT NULL,
    code          text NOT NULL CHECK (length(code) BETWEEN 1 AND 200),
    device_id     uuid,
    scanned_by    uuid,
    scanned_at    timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT stocktake_scans_pkey PRIMARY KEY (scheme_id, id),
    CONSTRAINT stocktake_scans_code_key UNIQUE (scheme_id, stocktake_id, code),
    CONSTRAINT stocktake_scans_stocktake_id_fkey FOREIGN KEY (scheme_id, stocktake_id)
        REFERENCES stocktakes (scheme_id, id) ON DELETE CASCADE,
    CONSTRAINT stocktake_scans_device_id_fkey FOREIGN KEY (scheme_id, device_id) REFERENCES devices (scheme_id, id),
    CONSTRAINT stocktake_scans_scanned_by_fkey FOREIGN KEY (scheme_id, scanned_by) REFERENCES users (scheme_id, id)
);
CREATE UNIQUE INDEX stocktake_scans_device_key ON stocktake_scans (scheme_id, stocktake_id, device_id)
    WHERE device_id IS NOT NULL;

DO $$
DECLARE
    t text;
BEGIN
    FOREACH t IN ARRAY ARRAY['stocktakes', 'stocktake_expected', 'stocktake_scans'] LOOP
        EXECUTE format('ALTER TABLE %I ENABLE ROW LEVEL SECURITY', t);
        EXECUTE format('CREATE POLICY scheme_wall ON %I USING (scheme_id = current_scheme()) '
                       'WITH CHECK (scheme_id = current_scheme())', t);
    END LOOP;
END;
$$;
