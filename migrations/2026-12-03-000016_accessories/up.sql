-- Accessories (DESIGN §10): chargers, bags, mice, headsets, MiFi units. Each scheme keeps its list
-- of kinds; a loan or sale records what went with the device, and a loan's return what came back.
-- What did not come back stays visible per resident and hub.

CREATE TABLE accessory_kinds (
    scheme_id   uuid NOT NULL DEFAULT current_scheme() REFERENCES schemes (id),
    id          uuid NOT NULL,
    name        text NOT NULL CHECK (length(name) BETWEEN 1 AND 100),
    active      boolean NOT NULL DEFAULT true,
    version     integer NOT NULL DEFAULT 1,
    created_at  timestamptz NOT NULL DEFAULT now(),
    updated_at  timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT accessory_kinds_pkey PRIMARY KEY (scheme_id, id)
);
CREATE UNIQUE INDEX accessory_kinds_name_key ON accessory_kinds (scheme_id, lower(name));

CREATE TABLE handover_accessories (
    scheme_id          uuid NOT NULL DEFAULT current_scheme() REFERENCES schemes (id),
    id                 uuid NOT NULL,
    kind_id            uuid NOT NULL,
    loan_id            uuid,
    sale_id            uuid,
    quantity           integer NOT NULL CHECK (quantity BETWEEN 1 AND 20),
    returned_quantity  integer CHECK (returned_quantity BETWEEN 0 AND quantity),
    issued_at          timestamptz NOT NULL DEFAULT now(),
    returned_at        timestamptz,
    CONSTRAINT handover_accessories_pkey PRIMARY KEY (scheme_id, id),
    CONSTRAINT handover_accessories_kind_id_fkey FOREIGN KEY (scheme_id, kind_id) REFERENCES accessory_kinds (scheme_id, id),
    CONSTRAINT handover_accessories_loan_id_fkey FOREIGN KEY (scheme_id, loan_id) REFERENCES loans (scheme_id, id),
    CONSTRAINT handover_accessories_sale_id_fkey FOREIGN KEY (scheme_id, sale_id) REFERENCES sales (scheme_id, id),
    CONSTRAINT handover_accessories_one_hand_over CHECK (num_nonnulls(loan_id, sale_id) = 1),
    CONSTRAINT handover_accessories_returned_together CHECK ((returned_quantity IS NULL) = (returned_at IS NULL)),
    CONSTRAINT handover_accessories_loan_kind_key UNIQUE (scheme_id, loan_id, kind_id),
    CONSTRAINT handover_accessories_sale_kind_key UNIQUE (scheme_id, sale_id, kind_id)
);
CREATE INDEX handover_accessories_outstanding_idx ON handover_accessories (scheme_id, loan_id)
    WHERE returned_quantity < quantity;

DO $$
DECLARE
    t text;
BEGIN
    FOREACH t IN ARRAY ARRAY['accessory_kinds', 'handover_accessories'] LOOP
        EXECUTE format('ALTER TABLE %I ENABLE ROW LEVEL SECURITY', t);
        EXECUTE format('CREATE POLICY scheme_wall ON %I USING (scheme_id = current_scheme()) '
                       'WITH CHECK (scheme_id = current_scheme())', t);
    END LOOP;
END;
$$;
