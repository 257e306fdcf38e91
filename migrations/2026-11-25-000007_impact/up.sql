-- Carbon and landfill accounting: versioned factor sets (immutable once a device has been counted
-- under them) and a ledger with one entry per device for its whole life.

CREATE TABLE impact_factor_sets (
    id               uuid PRIMARY KEY,
    name             text NOT NULL CHECK (length(btrim(name)) BETWEEN 1 AND 120),
    version          text NOT NULL CHECK (length(btrim(version)) BETWEEN 1 AND 40),
    source           text NOT NULL CHECK (length(btrim(source)) BETWEEN 1 AND 1000),
    -- Share of a new purchase a reused device displaces, in basis points (5000 = 0.5).
    displacement_bp  integer NOT NULL CHECK (displacement_bp BETWEEN 0 AND 10000),
    is_default       boolean NOT NULL DEFAULT false,
    -- Set when the first device is counted under the set; from then on it cannot change.
    locked_at        timestamptz,
    created_at       timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT impact_factor_sets_name_version_key UNIQUE (name, version)
);
CREATE UNIQUE INDEX impact_factor_sets_one_default ON impact_factor_sets (is_default) WHERE is_default;

CREATE TABLE impact_factors (
    set_id              uuid NOT NULL REFERENCES impact_factor_sets (id),
    category            text NOT NULL CHECK (category IN (
                            'laptop', 'laptop_small', 'laptop_large', 'desktop', 'tablet', 'phone',
                            'monitor', 'monitor_small', 'monitor_large', 'router', 'printer', 'accessory')),
    -- Grams of CO2e to manufacture a new one, and average weight in grams: integers add up exactly.
    manufacture_co2e_g  bigint NOT NULL CHECK (manufacture_co2e_g >= 0),
    weight_g            integer NOT NULL CHECK (weight_g > 0),
    reliability         smallint CHECK (reliability BETWEEN 1 AND 5),
    source_note         text CHECK (length(source_note) <= 500),
    PRIMARY KEY (set_id, category)
);

CREATE FUNCTION impact_factors_frozen() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    set_id uuid := CASE WHEN TG_OP = 'DELETE' THEN OLD.set_id ELSE NEW.set_id END;
BEGIN
    IF EXISTS (SELECT 1 FROM impact_factor_sets s WHERE s.id = set_id AND s.locked_at IS NOT NULL)
       OR (TG_OP = 'UPDATE' AND EXISTS (SELECT 1 FROM impact_factor_sets s WHERE s.id = OLD.set_id AND s.locked_at IS NOT NULL)) THEN
        RAISE EXCEPTION 'factor set % is in use and cannot change', set_id
            USING ERRCODE = 'restrict_violation', CONSTRAINT = 'impact_factors_frozen';
    END IF;
    RETURN CASE WHEN TG_OP = 'DELETE' THEN OLD ELSE NEW END;
END;
$$;
CREATE TRIGGER impact_factors_frozen BEFORE INSERT OR UPDATE OR DELETE ON impact_factors
    FOR EACH ROW EXECUTE FUNCTION impact_factors_frozen();

-- A set in use keeps its figures and description; only which set is the default may change.
CREATE FUNCTION impact_factor_sets_frozen() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'DELETE' AND OLD.locked_at IS NOT NULL THEN
        RAISE EXCEPTION 'factor set % is in use and cannot be removed', OLD.id
            USING ERRCODE = 'restrict_violation', CONSTRAINT = 'impact_factor_sets_frozen';
    END IF;
    IF TG_OP = 'UPDATE' AND OLD.locked_at IS NOT NULL
       AND (NEW.name, NEW.version, NEW.source, NEW.displacement_bp, NEW.locked_at)
           IS DISTINCT FROM (OLD.name, OLD.version, OLD.source, OLD.displacement_bp, OLD.locked_at) THEN
        RAISE EXCEPTION 'factor set % is in use and cannot change', OLD.id
            USING ERRCODE = 'restrict_violation', CONSTRAINT = 'impact_factor_sets_frozen';
    END IF;
    RETURN CASE WHEN TG_OP = 'DELETE' THEN OLD ELSE NEW END;
END;
$$;
CREATE TRIGGER impact_factor_sets_frozen BEFORE UPDATE OR DELETE ON impact_factor_sets
    FOR EACH ROW EXECUTE FUNCTION impact_factor_sets_frozen();

CREATE TABLE impact_ledger (
    device_id         uuid PRIMARY KEY REFERENCES devices (id),
    set_id            uuid NOT NULL REFERENCES impact_factor_sets (id),
    kind              text NOT NULL CHECK (kind IN ('reused', 'recycled')),
    category          text NOT NULL,
    co2e_saved_g      bigint NOT NULL CHECK (co2e_saved_g >= 0),
    landfill_saved_g  bigint NOT NULL CHECK (landfill_saved_g >= 0),
    weight_source     text NOT NULL CHECK (weight_source IN ('device', 'category_average')),
    occurred_at       timestamptz NOT NULL,
    hub_id            uuid REFERENCES hubs (id),
    donation_id       uuid REFERENCES donations (id),
    CONSTRAINT impact_ledger_recycled_saves_no_carbon CHECK (kind = 'reused' OR co2e_saved_g = 0)
);
CREATE INDEX impact_ledger_occurred_idx ON impact_ledger (occurred_at);

-- Ledger totals by month, donor, category, hub, ward and kind, kept in the same transaction as each
-- ledger entry, so reports cost the number of groups, not the number of devices. Weights are
-- split into those known from the device and a count of devices using the category average, so a
-- report can recompute landfill under another factor set without reading devices.
CREATE TABLE impact_rollup (
    month                  date NOT NULL,
    donor_id               uuid,
    category               text NOT NULL,
    hub_id                 uuid,
    ward_id                uuid,
    kind                   text NOT NULL CHECK (kind IN ('reused', 'recycled')),
    set_id                 uuid NOT NULL REFERENCES impact_factor_sets (id),
    devices                bigint NOT NULL DEFAULT 0,
    co2e_saved_g           bigint NOT NULL DEFAULT 0,
    landfill_saved_g       bigint NOT NULL DEFAULT 0,
    known_weight_g         bigint NOT NULL DEFAULT 0,
    unknown_weight_devices bigint NOT NULL DEFAULT 0,
    CONSTRAINT impact_rollup_key UNIQUE NULLS NOT DISTINCT (month, donor_id, category, hub_id, ward_id, kind, set_id)
);
CREATE INDEX impact_rollup_month_idx ON impact_rollup (month);

INSERT INTO impact_factor_sets (id, name, version, source, displacement_bp, is_default) VALUES
  ('00000000-0000-7000-8000-0000000000a1', 'Restart Project device categories', '2021', 'The Restart Project, Fixometer category table, 2nd revision (2021): restarters.net migration 2021_08_13_000439_update_lca_unpowered_categories; source data TheRestartProject/environmental-impact-data. Displacement 0.5 as used by the Fixometer.', 5000, true),
  ('00000000-0000-7000-8000-0000000000a2', 'ADEME Base Empreinte via Boavizta', '1', 'Embodied CO2e from ADEME Base Empreinte as collected in Boavizta factors.yml (laptop 175, desktop 277, tablet 75.9, smartphone 84, monitor 64.7 kg). Categories without an ADEME figure and all average weights come from the Restart Project 2021 table. Displacement 0.5.', 5000, false);

INSERT INTO impact_factors (set_id, category, manufacture_co2e_g, weight_g, reliability, source_note) VALUES
  ('00000000-0000-7000-8000-0000000000a1', 'laptop_small', 221150, 1390, NULL, 'Laptop small'),
  ('00000000-0000-7000-8000-0000000000a1', 'laptop', 265320, 1830, NULL, 'Laptop medium'),
  ('00000000-0000-7000-8000-0000000000a1', 'laptop_large', 414700, 2530, NULL, 'Laptop large'),
  ('00000000-0000-7000-8000-0000000000a1', 'desktop', 414170, 6690, NULL, 'Desktop computer'),
  ('00000000-0000-7000-8000-0000000000a1', 'monitor_small', 262560, 3150, NULL, 'Flat screen 15-17in'),
  ('00000000-0000-7000-8000-0000000000a1', 'monitor', 304880, 3660, NULL, 'Flat screen 19-20in'),
  ('00000000-0000-7000-8000-0000000000a1', 'monitor_large', 343490, 5230, NULL, 'Flat screen 22-24in'),
  ('00000000-0000-7000-8000-0000000000a1', 'tablet', 114490, 770, NULL, 'Tablet'),
  ('00000000-0000-7000-8000-0000000000a1', 'phone', 50510, 150, NULL, 'Mobile'),
  ('00000000-0000-7000-8000-0000000000a1', 'printer', 100690, 12470, NULL, 'Printer/scanner'),
  ('00000000-0000-7000-8000-0000000000a1', 'accessory', 15940, 440, NULL, 'PC accessory'),
  ('00000000-0000-7000-8000-0000000000a1', 'router', 15940, 440, NULL, 'PC accessory (no Restart category for routers/MiFi)'),
  ('00000000-0000-7000-8000-0000000000a2', 'laptop_small', 175000, 1390, NULL, 'ADEME/Boavizta embodied CO2e; weight from Restart 2021'),
  ('00000000-0000-7000-8000-0000000000a2', 'laptop', 175000, 1830, NULL, 'ADEME/Boavizta embodied CO2e; weight from Restart 2021'),
  ('00000000-0000-7000-8000-0000000000a2', 'laptop_large', 175000, 2530, NULL, 'ADEME/Boavizta embodied CO2e; weight from Restart 2021'),
  ('00000000-0000-7000-8000-0000000000a2', 'desktop', 277000, 6690, NULL, 'ADEME/Boavizta embodied CO2e; weight from Restart 2021'),
  ('00000000-0000-7000-8000-0000000000a2', 'monitor_small', 64700, 3150, NULL, 'ADEME/Boavizta embodied CO2e; weight from Restart 2021'),
  ('00000000-0000-7000-8000-0000000000a2', 'monitor', 64700, 3660, NULL, 'ADEME/Boavizta embodied CO2e; weight from Restart 2021'),
  ('00000000-0000-7000-8000-0000000000a2', 'monitor_large', 64700, 5230, NULL, 'ADEME/Boavizta embodied CO2e; weight from Restart 2021'),
  ('00000000-0000-7000-8000-0000000000a2', 'tablet', 75900, 770, NULL, 'ADEME/Boavizta embodied CO2e; weight from Restart 2021'),
  ('00000000-0000-7000-8000-0000000000a2', 'phone', 84000, 150, NULL, 'ADEME/Boavizta embodied CO2e; weight from Restart 2021'),
  ('00000000-0000-7000-8000-0000000000a2', 'printer', 100690, 12470, NULL, 'No ADEME figure: Restart 2021 (Printer/scanner)'),
  ('00000000-0000-7000-8000-0000000000a2', 'accessory', 15940, 440, NULL, 'No ADEME figure: Restart 2021 (PC accessory)'),
  ('00000000-0000-7000-8000-0000000000a2', 'router', 15940, 440, NULL, 'No ADEME figure: Restart 2021 (PC accessory (no Restart category for routers/MiFi))');
