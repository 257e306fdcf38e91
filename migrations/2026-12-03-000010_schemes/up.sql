-- Many schemes on one service (DESIGN §9).
--
-- Every scheme-owned table gains `scheme_id`; every primary key and unique constraint of those
-- tables is rebuilt to start with it and every foreign key between them to include it, so the
-- database itself refuses a loan, sale or job that points into another scheme. Row-level security
-- on the same column is the second wall: the service runs as `tech4all_app`, whose statements see
-- only the rows of the scheme set in `tech4all.scheme_id` (by `confirm_caller`, which checks the
-- token) and nothing when it is unset.
--
-- An existing single-scheme database becomes the first scheme: its rows get that scheme's id,
-- its numbers (asset tags, resident references, receipts) carry on from where they were.

-- The caller's scheme for this session, or NULL when none is set. Inlined by the planner, so a
-- policy `scheme_id = current_scheme()` is an index condition.
CREATE FUNCTION current_scheme() RETURNS uuid LANGUAGE sql STABLE PARALLEL SAFE AS $$
    SELECT NULLIF(current_setting('tech4all.scheme_id', true), '')::uuid
$$;

CREATE TABLE schemes (
    id                      uuid PRIMARY KEY,
    kind                    text NOT NULL DEFAULT 'scheme' CHECK (kind IN ('scheme', 'platform')),
    name                    text NOT NULL CHECK (length(btrim(name)) BETWEEN 1 AND 120),
    code                    text NOT NULL CHECK (code ~ '^[A-Z][A-Z0-9]{1,9}$'),
    status                  text NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'suspended')),
    sale_price_pence        integer NOT NULL DEFAULT 6000 CHECK (sale_price_pence BETWEEN 0 AND 1000000),
    household_rule_months   integer NOT NULL DEFAULT 12 CHECK (household_rule_months BETWEEN 0 AND 120),
    refund_window_days      integer NOT NULL DEFAULT 30 CHECK (refund_window_days BETWEEN 0 AND 365),
    sim_limit_per_resident  integer NOT NULL DEFAULT 1 CHECK (sim_limit_per_resident BETWEEN 1 AND 10),
    retention_months        integer NOT NULL DEFAULT 36 CHECK (retention_months BETWEEN 1 AND 240),
    asset_tag_prefix        text NOT NULL CHECK (asset_tag_prefix ~ '^[A-Z][A-Z0-9]{0,9}$'),
    receipt_prefix          text NOT NULL CHECK (receipt_prefix ~ '^[A-Z][A-Z0-9]{0,9}(-[A-Z][A-Z0-9]{0,9})?$'),
    default_factor_set_id   uuid NOT NULL,
    -- The first scheme of an upgraded database takes its rules from the environment variables it
    -- ran with, once, at the first start after the upgrade.
    settings_from_env       boolean NOT NULL DEFAULT false,
    version                 integer NOT NULL DEFAULT 1,
    created_at              timestamptz NOT NULL DEFAULT now(),
    updated_at              timestamptz NOT NULL DEFAULT now(),
    suspended_at            timestamptz,
    CONSTRAINT schemes_suspended_when CHECK ((status = 'suspended') = (suspended_at IS NOT NULL))
);
CREATE UNIQUE INDEX schemes_code_key ON schemes (code);
CREATE UNIQUE INDEX schemes_name_key ON schemes (lower(name));
-- One platform row, holding the platform administrators (who belong to no council's scheme).
CREATE UNIQUE INDEX schemes_one_platform ON schemes (kind) WHERE kind = 'platform';

INSERT INTO schemes (id, kind, name, code, asset_tag_prefix, receipt_prefix, default_factor_set_id,
                     settings_from_env, created_at) VALUES
    ('00000000-0000-7000-8000-000000000000', 'platform', 'Platform', 'PLATFORM', 'PLATFORM', 'PLATFORM',
     '00000000-0000-7000-8000-0000000000a1', false, now()),
    ('00000000-0000-7000-8000-000000000001', 'scheme', 'Tech4All', 'T4A', 'T4A', 'S',
     coalesce((SELECT id FROM impact_factor_sets WHERE is_default), '00000000-0000-7000-8000-0000000000a1'),
     true, coalesce((SELECT min(created_at) FROM users), now()));

-- Factor sets are shared: the built-in ones (no scheme) are visible to every scheme and frozen;
-- a scheme's own sets are its alone. Which one a scheme's reports use is the scheme's setting.
ALTER TABLE impact_factor_sets ADD COLUMN scheme_id uuid REFERENCES schemes (id);
UPDATE impact_factor_sets SET scheme_id = '00000000-0000-7000-8000-000000000001'
WHERE id NOT IN ('00000000-0000-7000-8000-0000000000a1', '00000000-0000-7000-8000-0000000000a2');
UPDATE impact_factor_sets SET locked_at = now() WHERE scheme_id IS NULL AND locked_at IS NULL;
ALTER TABLE impact_factor_sets ALTER COLUMN scheme_id SET DEFAULT current_scheme();
DROP INDEX impact_factor_sets_one_default;
ALTER TABLE impact_factor_sets DROP COLUMN is_default;
ALTER TABLE impact_factor_sets DROP CONSTRAINT impact_factor_sets_name_version_key;
ALTER TABLE impact_factor_sets ADD CONSTRAINT impact_factor_sets_name_version_key
    UNIQUE NULLS NOT DISTINCT (scheme_id, name, version);
ALTER TABLE schemes ADD CONSTRAINT schemes_default_factor_set_id_fkey
    FOREIGN KEY (default_factor_set_id) REFERENCES impact_factor_sets (id);

-- ---------------------------------------------------------------------------------------------
-- scheme_id on every scheme-owned table, and every key rebuilt around it.
-- ---------------------------------------------------------------------------------------------

CREATE TABLE scheme_counters (
    name    text NOT NULL CHECK (name IN ('asset_tag', 'resident_reference')),
    last    bigint NOT NULL CHECK (last >= 0)
);

CREATE FUNCTION pg_temp.scheme_owned() RETURNS text[] LANGUAGE sql AS $$
    SELECT ARRAY['api_keys', 'device_events', 'devices', 'disposal_records', 'distribution_rollup',
                 'donations', 'holds', 'hubs', 'impact_ledger', 'impact_rollup', 'loan_rules', 'loans',
                 'organisations', 'reach_people', 'reach_rollup', 'receipt_counters', 'refurbishment_jobs',
                 'residents', 'sales', 'sales_session_devices', 'sales_sessions', 'scheme_counters',
                 'sim_allocations', 'sim_batches', 'sims', 'user_hubs', 'users', 'wards', 'wipe_records']
$$;

-- Foreign keys between scheme-owned tables: remembered, dropped, and added back below with
-- scheme_id in front, under the same names (the service maps some of them to answers).
CREATE TEMP TABLE old_foreign_keys ON COMMIT DROP AS
SELECT c.conname, c.conrelid::regclass AS tbl, c.confrelid::regclass AS ref, c.confdeltype,
       (SELECT string_agg(quote_ident(a.attname), ', ' ORDER BY k.ord)
        FROM unnest(c.conkey) WITH ORDINALITY AS k (n, ord)
        JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = k.n) AS cols,
       (SELECT string_agg(quote_ident(a.attname), ', ' ORDER BY k.ord)
        FROM unnest(c.confkey) WITH ORDINALITY AS k (n, ord)
        JOIN pg_attribute a ON a.attrelid = c.confrelid AND a.attnum = k.n) AS ref_cols
FROM pg_constraint c
WHERE c.contype = 'f' AND c.conparentid = 0
  AND c.conrelid::regclass::text = ANY (pg_temp.scheme_owned())
  AND c.confrelid::regclass::text = ANY (pg_temp.scheme_owned());

-- Unique indexes that are not constraints, to be rebuilt with scheme_id as their first column.
-- Sign-in emails stay unique across the platform instead (sign_in_emails below).
CREATE TEMP TABLE old_unique_indexes ON COMMIT DROP AS
SELECT i.indexrelid::regclass AS idx, pg_get_indexdef(i.indexrelid) AS def
FROM pg_index i
WHERE i.indisunique AND NOT i.indisprimary
  AND i.indrelid::regclass::text = ANY (pg_temp.scheme_owned())
  AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = i.indexrelid)
  AND i.indexrelid::regclass::text <> 'users_email_key';

-- Primary keys and unique constraints, likewise.
CREATE TEMP TABLE old_keys ON COMMIT DROP AS
SELECT c.conname, c.conrelid::regclass AS tbl, c.contype,
       (SELECT string_agg(quote_ident(a.attname), ', ' ORDER BY k.ord)
        FROM unnest(c.conkey) WITH ORDINALITY AS k (n, ord)
        JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = k.n) AS cols,
       coalesce((SELECT i.indnullsnotdistinct FROM pg_index i WHERE i.indexrelid = c.conindid), false)
           AS nulls_not_distinct
FROM pg_constraint c
WHERE c.contype IN ('p', 'u') AND c.conparentid = 0
  AND c.conrelid::regclass::text = ANY (pg_temp.scheme_owned());

DO $$
DECLARE
    r record;
    t text;
BEGIN
    FOR r IN SELECT * FROM old_foreign_keys LOOP
        EXECUTE format('ALTER TABLE %s DROP CONSTRAINT %I', r.tbl, r.conname);
    END LOOP;
    FOR r IN SELECT * FROM old_keys LOOP
        EXECUTE format('ALTER TABLE %s DROP CONSTRAINT %I', r.tbl, r.conname);
    END LOOP;
    FOR r IN SELECT * FROM old_unique_indexes LOOP
        EXECUTE format('DROP INDEX %s', r.idx);
    END LOOP;
    DROP INDEX users_email_key;

    -- A constant default fills existing rows without rewriting them; new rows take the caller's.
    FOREACH t IN ARRAY pg_temp.scheme_owned() LOOP
        EXECUTE format('ALTER TABLE %I ADD COLUMN scheme_id uuid NOT NULL DEFAULT %L',
                       t, '00000000-0000-7000-8000-000000000001');
        EXECUTE format('ALTER TABLE %I ALTER COLUMN scheme_id SET DEFAULT current_scheme()', t);
        EXECUTE format('ALTER TABLE %I ADD CONSTRAINT %I FOREIGN KEY (scheme_id) REFERENCES schemes (id)',
                       t, t || '_scheme_id_fkey');
    END LOOP;

    FOR r IN SELECT * FROM old_keys LOOP
        EXECUTE format('ALTER TABLE %s ADD CONSTRAINT %I %s %s (scheme_id, %s)', r.tbl, r.conname,
                       CASE r.contype WHEN 'p' THEN 'PRIMARY KEY' ELSE 'UNIQUE' END,
                       CASE WHEN r.nulls_not_distinct THEN 'NULLS NOT DISTINCT' ELSE '' END, r.cols);
    END LOOP;
    FOR r IN SELECT * FROM old_unique_indexes LOOP
        IF r.def !~ ' USING btree \(' THEN
            RAISE EXCEPTION 'unexpected unique index %', r.def;
        END IF;
        EXECUTE regexp_replace(r.def, ' USING btree \(', ' USING btree (scheme_id, ');
    END LOOP;
    FOR r IN SELECT * FROM old_foreign_keys LOOP
        EXECUTE format('ALTER TABLE %s ADD CONSTRAINT %I FOREIGN KEY (scheme_id, %s) REFERENCES %s (scheme_id, %s)%s',
                       r.tbl, r.conname, r.cols, r.ref, r.ref_cols,
                       CASE r.confdeltype WHEN 'c' THEN ' ON DELETE CASCADE' ELSE '' END);
    END LOOP;
END;
$$;

ALTER TABLE scheme_counters ADD CONSTRAINT scheme_counters_pkey PRIMARY KEY (scheme_id, name);

-- ---------------------------------------------------------------------------------------------
-- Users: one scheme each; platform administrators in the platform row. Sign-in emails and API-key
-- prefixes are looked up before any scheme is known, so each has a platform-wide directory kept
-- by triggers; the directory's key is what keeps an email unique across the platform.
-- ---------------------------------------------------------------------------------------------

ALTER TABLE users DROP CONSTRAINT users_role_check;
ALTER TABLE users ADD CONSTRAINT users_role_check
    CHECK (role IN ('platform_admin', 'admin', 'hub_staff', 'partner', 'reporter'));
ALTER TABLE users ADD CONSTRAINT users_platform_admin_outside_schemes
    CHECK ((role = 'platform_admin') = (scheme_id = '00000000-0000-7000-8000-000000000000'));

CREATE TABLE sign_in_emails (
    email       text NOT NULL,
    scheme_id   uuid NOT NULL REFERENCES schemes (id),
    user_id     uuid NOT NULL,
    CONSTRAINT users_email_key PRIMARY KEY (email)
);
INSERT INTO sign_in_emails (email, scheme_id, user_id) SELECT lower(email), scheme_id, id FROM users;

CREATE TABLE api_key_prefixes (
    prefix      text PRIMARY KEY,
    scheme_id   uuid NOT NULL REFERENCES schemes (id),
    key_id      uuid NOT NULL
);
INSERT INTO api_key_prefixes (prefix, scheme_id, key_id) SELECT prefix, scheme_id, id FROM api_keys;

CREATE FUNCTION sign_in_emails_sync() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP IN ('UPDATE', 'DELETE') THEN
        DELETE FROM sign_in_emails WHERE email = lower(OLD.email) AND user_id = OLD.id;
    END IF;
    IF TG_OP IN ('INSERT', 'UPDATE') THEN
        INSERT INTO sign_in_emails (email, scheme_id, user_id) VALUES (lower(NEW.email), NEW.scheme_id, NEW.id);
    END IF;
    RETURN NULL;
END;
$$;
CREATE TRIGGER sign_in_emails_sync AFTER INSERT OR DELETE OR UPDATE OF email ON users
    FOR EACH ROW EXECUTE FUNCTION sign_in_emails_sync();

CREATE FUNCTION api_key_prefixes_sync() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP IN ('UPDATE', 'DELETE') THEN
        DELETE FROM api_key_prefixes WHERE prefix = OLD.prefix AND key_id = OLD.id;
    END IF;
    IF TG_OP IN ('INSERT', 'UPDATE') THEN
        INSERT INTO api_key_prefixes (prefix, scheme_id, key_id) VALUES (NEW.prefix, NEW.scheme_id, NEW.id);
    END IF;
    RETURN NULL;
END;
$$;
CREATE TRIGGER api_key_prefixes_sync AFTER INSERT OR DELETE OR UPDATE OF prefix ON api_keys
    FOR EACH ROW EXECUTE FUNCTION api_key_prefixes_sync();

-- ---------------------------------------------------------------------------------------------
-- Numbers per scheme, gap-free: a counter row per scheme, locked until the transaction that took
-- a number commits (a rolled-back one gives its numbers back).
-- ---------------------------------------------------------------------------------------------

INSERT INTO scheme_counters (scheme_id, name, last)
SELECT '00000000-0000-7000-8000-000000000001'::uuid, 'asset_tag', CASE WHEN is_called THEN last_value ELSE 0 END
FROM device_asset_tag_seq
UNION ALL
SELECT '00000000-0000-7000-8000-000000000001'::uuid, 'resident_reference', CASE WHEN is_called THEN last_value ELSE 0 END
FROM resident_reference_seq;

-- Reserves `n` numbers of the caller's scheme's counter `counter`; returns the first.
CREATE FUNCTION reserve_numbers(counter text, n integer) RETURNS bigint LANGUAGE sql AS $$
    INSERT INTO scheme_counters AS c (scheme_id, name, last) VALUES (current_scheme(), counter, n)
    ON CONFLICT (scheme_id, name) DO UPDATE SET last = c.last + n
    RETURNING c.last - n + 1
$$;

-- `PREFIX-000123`; six digits at least.
CREATE FUNCTION scheme_number(prefix text, n bigint) RETURNS text LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT prefix || '-' || CASE WHEN n < 1000000 THEN lpad(n::text, 6, '0') ELSE n::text END
$$;

-- `n` new asset tags of the caller's scheme, in order (one counter update for a whole import).
CREATE FUNCTION next_asset_tags(n integer) RETURNS SETOF text LANGUAGE sql AS $$
    SELECT scheme_number(s.asset_tag_prefix, first + i)
    FROM (SELECT reserve_numbers('asset_tag', n) AS first) AS r
    CROSS JOIN schemes s
    CROSS JOIN generate_series(0, n - 1) AS i
    WHERE s.id = current_scheme()
    ORDER BY i
$$;

CREATE OR REPLACE FUNCTION next_asset_tag() RETURNS text LANGUAGE sql AS $$
    SELECT next_asset_tags(1)
$$;

CREATE OR REPLACE FUNCTION next_resident_reference() RETURNS text LANGUAGE sql AS $$
    SELECT scheme_number('R', reserve_numbers('resident_reference', 1))
$$;

DROP SEQUENCE device_asset_tag_seq;
DROP SEQUENCE resident_reference_seq;

-- ---------------------------------------------------------------------------------------------
-- Triggers: every lookup they make names the row's scheme, so they stay right when run by the
-- owner (migrations, the command line), which row-level security does not restrict.
-- ---------------------------------------------------------------------------------------------

CREATE OR REPLACE FUNCTION devices_wipe_gate() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF NEW.status IN ('ready', 'reserved', 'on_loan', 'sold')
       AND category_has_storage(NEW.category)
       AND NOT EXISTS (SELECT 1 FROM wipe_records w
                       WHERE w.scheme_id = NEW.scheme_id AND w.device_id = NEW.id AND w.verified) THEN
        RAISE EXCEPTION 'device % has no verified data wipe on record', NEW.asset_tag
            USING ERRCODE = 'check_violation', CONSTRAINT = 'devices_wipe_gate';
    END IF;
    RETURN NEW;
END;
$$;

CREATE OR REPLACE FUNCTION impact_ledger_fill() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF NEW.donor_id IS NULL AND NEW.donation_id IS NOT NULL THEN
        SELECT d.donor_id INTO NEW.donor_id FROM donations d
        WHERE d.scheme_id = NEW.scheme_id AND d.id = NEW.donation_id;
    END IF;
    IF NEW.ward_id IS NULL AND NEW.hub_id IS NOT NULL THEN
        SELECT h.ward_id INTO NEW.ward_id FROM hubs h WHERE h.scheme_id = NEW.scheme_id AND h.id = NEW.hub_id;
    END IF;
    RETURN NEW;
END;
$$;

CREATE OR REPLACE FUNCTION impact_rollup_add() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO impact_rollup AS r (scheme_id, grain, month, donor_id, category, hub_id, ward_id, set_id,
                                    devices_reused, devices_recycled, co2e_saved_g, landfill_saved_g,
                                    known_weight_g, unknown_weight_devices, slot)
    SELECT l.scheme_id, g.grain, uk_month(l.occurred_at),
           CASE WHEN g.grain & 1 <> 0 THEN l.donor_id END,
           l.category,
           CASE WHEN g.grain & 2 <> 0 THEN l.hub_id END,
           CASE WHEN g.grain & 4 <> 0 THEN l.ward_id END,
           l.set_id, count(*) FILTER (WHERE l.kind = 'reused'), count(*) FILTER (WHERE l.kind = 'recycled'),
           sum(l.co2e_saved_g), sum(l.landfill_saved_g),
           coalesce(sum(l.landfill_saved_g) FILTER (WHERE l.weight_source = 'device'), 0),
           count(*) FILTER (WHERE l.weight_source <> 'device'), rollup_slot()
    FROM new_entries l CROSS JOIN unnest('{0,1,2,4,7}'::smallint[]) AS g (grain)
    GROUP BY 1, 2, 3, 4, 5, 6, 7, 8
    ORDER BY 1, 2, 3, 4, 5, 6, 7, 8
    ON CONFLICT ON CONSTRAINT impact_rollup_key DO UPDATE SET
        devices_reused = r.devices_reused + EXCLUDED.devices_reused,
        devices_recycled = r.devices_recycled + EXCLUDED.devices_recycled,
        co2e_saved_g = r.co2e_saved_g + EXCLUDED.co2e_saved_g,
        landfill_saved_g = r.landfill_saved_g + EXCLUDED.landfill_saved_g,
        known_weight_g = r.known_weight_g + EXCLUDED.known_weight_g,
        unknown_weight_devices = r.unknown_weight_devices + EXCLUDED.unknown_weight_devices;
    RETURN NULL;
END;
$$;

CREATE OR REPLACE FUNCTION distribution_from_device_events() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM distribution_merge(coalesce(jsonb_agg(jsonb_strip_nulls(jsonb_build_object(
        'scheme_id', e.scheme_id,
        'month', uk_month(e.occurred_at),
        'hub_id', coalesce(e.to_hub_id, e.from_hub_id),
        'devices_received', CASE WHEN e.kind = 'received' THEN 1 END,
        'devices_refurbished', CASE WHEN e.kind = 'refurbishment_completed' THEN 1 END,
        'devices_recycled', CASE WHEN e.to_status = 'recycled' THEN 1 END))), '[]'))
    FROM new_events e
    WHERE e.kind IN ('received', 'refurbishment_completed')
       OR (e.to_status = 'recycled' AND e.from_status IS DISTINCT FROM 'recycled');
    RETURN NULL;
END;
$$;

CREATE OR REPLACE FUNCTION distribution_from_loans() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM distribution_merge(coalesce(jsonb_agg(jsonb_build_object(
        'scheme_id', l.scheme_id, 'month', uk_month(l.lent_at), 'hub_id', l.hub_id, 'loans_made', 1)), '[]'))
    FROM new_loans l;
    PERFORM reach_merge(coalesce(jsonb_agg(jsonb_build_object(
        'scheme_id', l.scheme_id, 'month', uk_month(l.lent_at), 'resident_id', l.resident_id, 'lent', 1)), '[]'))
    FROM new_loans l;
    RETURN NULL;
END;
$$;

CREATE OR REPLACE FUNCTION distribution_from_sales() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        PERFORM distribution_merge(coalesce(jsonb_agg(jsonb_build_object(
            'scheme_id', s.scheme_id, 'month', uk_month(s.sold_at), 'hub_id', s.hub_id, 'devices_sold', 1,
            'takings_pence', s.price_pence, 'subsidy_pence', s.subsidy_pence)), '[]'))
        FROM new_sales s;
        PERFORM reach_merge(coalesce(jsonb_agg(jsonb_build_object(
            'scheme_id', s.scheme_id, 'month', uk_month(s.sold_at), 'resident_id', s.resident_id, 'sold', 1)),
            '[]'))
        FROM new_sales s;
    ELSE
        PERFORM distribution_merge(coalesce(jsonb_agg(jsonb_build_object(
            'scheme_id', n.scheme_id, 'month', uk_month(n.refunded_at), 'hub_id', n.hub_id, 'sales_refunded', 1,
            'takings_pence', -n.price_pence, 'subsidy_pence', -n.subsidy_pence)), '[]'))
        FROM new_sales n JOIN old_sales o ON o.scheme_id = n.scheme_id AND o.id = n.id
        WHERE o.refunded_at IS NULL AND n.refunded_at IS NOT NULL;
    END IF;
    RETURN NULL;
END;
$$;

CREATE OR REPLACE FUNCTION distribution_from_sim_allocations() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM distribution_merge(coalesce(jsonb_agg(jsonb_build_object(
        'scheme_id', a.scheme_id, 'month', date_trunc('month', a.allocated_on)::date, 'hub_id', a.hub_id,
        'sims_allocated', CASE WHEN a.replaces_id IS NULL THEN 1 ELSE 0 END,
        'sims_replaced', CASE WHEN a.replaces_id IS NULL THEN 0 ELSE 1 END,
        'sim_data_gb_per_month', CASE WHEN a.replaces_id IS NULL THEN b.data_gb_per_month ELSE 0 END)), '[]'))
    FROM new_allocations a
    JOIN sims s ON s.scheme_id = a.scheme_id AND s.id = a.sim_id
    JOIN sim_batches b ON b.scheme_id = s.scheme_id AND b.id = s.batch_id;
    PERFORM reach_merge(coalesce(jsonb_agg(jsonb_build_object(
        'scheme_id', a.scheme_id, 'month', date_trunc('month', a.allocated_on)::date,
        'resident_id', a.resident_id, 'sims', 1)), '[]'))
    FROM new_allocations a WHERE a.replaces_id IS NULL;
    RETURN NULL;
END;
$$;

CREATE OR REPLACE FUNCTION distribution_merge(rows_json jsonb) RETURNS void LANGUAGE plpgsql AS $$
BEGIN
    IF rows_json IS NULL OR jsonb_array_length(rows_json) = 0 THEN
        RETURN;
    END IF;
    INSERT INTO distribution_rollup AS r (scheme_id, month, hub_id, ward_id, devices_received,
        devices_refurbished, devices_recycled, devices_sold, sales_refunded, takings_pence, subsidy_pence,
        loans_made, sims_allocated, sims_replaced, sim_data_gb_per_month, slot)
    SELECT x.scheme_id, x.month, x.hub_id, h.ward_id, coalesce(sum(x.devices_received), 0),
           coalesce(sum(x.devices_refurbished), 0), coalesce(sum(x.devices_recycled), 0),
           coalesce(sum(x.devices_sold), 0), coalesce(sum(x.sales_refunded), 0),
           coalesce(sum(x.takings_pence), 0), coalesce(sum(x.subsidy_pence), 0), coalesce(sum(x.loans_made), 0),
           coalesce(sum(x.sims_allocated), 0), coalesce(sum(x.sims_replaced), 0),
           coalesce(sum(x.sim_data_gb_per_month), 0), rollup_slot()
    FROM jsonb_to_recordset(rows_json) AS x (scheme_id uuid, month date, hub_id uuid, devices_received bigint,
        devices_refurbished bigint, devices_recycled bigint, devices_sold bigint, sales_refunded bigint,
        takings_pence bigint, subsidy_pence bigint, loans_made bigint, sims_allocated bigint,
        sims_replaced bigint, sim_data_gb_per_month bigint)
    LEFT JOIN LATERAL (SELECT ward_id FROM hubs WHERE scheme_id = x.scheme_id AND id = x.hub_id LIMIT 1) h ON true
    GROUP BY x.scheme_id, x.month, x.hub_id, h.ward_id
    ORDER BY x.scheme_id, x.month, x.hub_id
    ON CONFLICT ON CONSTRAINT distribution_rollup_key DO UPDATE SET
        devices_received = r.devices_received + EXCLUDED.devices_received,
        devices_refurbished = r.devices_refurbished + EXCLUDED.devices_refurbished,
        devices_recycled = r.devices_recycled + EXCLUDED.devices_recycled,
        devices_sold = r.devices_sold + EXCLUDED.devices_sold,
        sales_refunded = r.sales_refunded + EXCLUDED.sales_refunded,
        takings_pence = r.takings_pence + EXCLUDED.takings_pence,
        subsidy_pence = r.subsidy_pence + EXCLUDED.subsidy_pence,
        loans_made = r.loans_made + EXCLUDED.loans_made,
        sims_allocated = r.sims_allocated + EXCLUDED.sims_allocated,
        sims_replaced = r.sims_replaced + EXCLUDED.sims_replaced,
        sim_data_gb_per_month = r.sim_data_gb_per_month + EXCLUDED.sim_data_gb_per_month;
END;
$$;

CREATE OR REPLACE FUNCTION reach_merge(rows_json jsonb) RETURNS void LANGUAGE plpgsql AS $$
BEGIN
    IF rows_json IS NULL OR jsonb_array_length(rows_json) = 0 THEN
        RETURN;
    END IF;
    WITH batch AS (
        SELECT x.scheme_id, x.month, r.ward_id, r.eligibility, x.resident_id, coalesce(x.sold, 0) AS sold,
               coalesce(x.lent, 0) AS lent, coalesce(x.sims, 0) AS sims
        FROM jsonb_to_recordset(rows_json)
            AS x (scheme_id uuid, month date, resident_id uuid, sold bigint, lent bigint, sims bigint)
        -- LATERAL with LIMIT keeps this an index lookup per row: the planner guesses 100 rows for
        -- jsonb_to_recordset and would otherwise scan every resident to hash-join one.
        CROSS JOIN LATERAL (SELECT ward_id, eligibility FROM residents
                            WHERE scheme_id = x.scheme_id AND id = x.resident_id LIMIT 1) r
    ), counted AS (
        INSERT INTO reach_rollup AS t (scheme_id, month, ward_id, eligibility, devices_sold, devices_lent, sims, slot)
        SELECT scheme_id, month, ward_id, eligibility, sum(sold), sum(lent), sum(sims), rollup_slot() FROM batch
        GROUP BY 1, 2, 3, 4 ORDER BY 1, 2, 3, 4
        ON CONFLICT ON CONSTRAINT reach_rollup_key DO UPDATE SET
            devices_sold = t.devices_sold + EXCLUDED.devices_sold,
            devices_lent = t.devices_lent + EXCLUDED.devices_lent,
            sims = t.sims + EXCLUDED.sims
    )
    INSERT INTO reach_people (scheme_id, month, resident_id, ward_id, eligibility)
    SELECT DISTINCT scheme_id, month, resident_id, ward_id, eligibility FROM batch
    ON CONFLICT ON CONSTRAINT reach_people_key DO NOTHING;
END;
$$;

-- ---------------------------------------------------------------------------------------------
-- The caller's scheme, confirmed with the token in the statement every authenticated request
-- already makes: the user as the database has it now, their hubs, whether the API key the token
-- came from is live, and the scheme's status. The session's scheme is cleared first and set only
-- for a caller who may go on, so a connection never carries one request's scheme into the next.
-- Runs as the owner (the user row is read before any scheme is set).
-- ---------------------------------------------------------------------------------------------

CREATE FUNCTION confirm_caller(p_scheme uuid, p_user uuid, p_key uuid)
RETURNS TABLE (role text, organisation_id uuid, active boolean, token_epoch integer, hub_ids uuid[],
               scheme_active boolean, sale_price_pence integer, household_rule_months integer,
               refund_window_days integer, sim_limit_per_resident integer, retention_months integer,
               receipt_prefix text)
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
#variable_conflict use_column
BEGIN
    PERFORM set_config('tech4all.scheme_id', '', false);
    RETURN QUERY
    SELECT u.role, u.organisation_id,
           u.active AND (p_key IS NULL OR EXISTS (
               SELECT 1 FROM api_keys k
               WHERE k.scheme_id = p_scheme AND k.id = p_key AND k.user_id = p_user AND k.revoked_at IS NULL)),
           u.token_epoch,
           ARRAY(SELECT h.hub_id FROM user_hubs h WHERE h.scheme_id = p_scheme AND h.user_id = p_user),
           s.status = 'active', s.sale_price_pence, s.household_rule_months, s.refund_window_days,
           s.sim_limit_per_resident, s.retention_months, s.receipt_prefix
    FROM users u JOIN schemes s ON s.id = u.scheme_id
    WHERE u.scheme_id = p_scheme AND u.id = p_user;
    IF FOUND THEN
        PERFORM set_config('tech4all.scheme_id', p_scheme::text, false);
    END IF;
END;
$$;

-- Enters the scheme that `p_email` signs in to, and says whose account it is: the first step of a
-- sign-in. No row (and no scheme entered) for an unknown email.
CREATE FUNCTION enter_scheme_of_email(p_email text)
RETURNS TABLE (scheme_id uuid, user_id uuid, scheme_active boolean) LANGUAGE plpgsql AS $$
#variable_conflict use_column
DECLARE
    found uuid;
BEGIN
    SELECT d.scheme_id INTO found FROM sign_in_emails d WHERE d.email = lower(p_email);
    PERFORM set_config('tech4all.scheme_id', coalesce(found::text, ''), false);
    RETURN QUERY SELECT d.scheme_id, d.user_id, s.status = 'active'
        FROM sign_in_emails d JOIN schemes s ON s.id = d.scheme_id WHERE d.email = lower(p_email);
END;
$$;

-- Enters the scheme of the API key with `p_prefix`: the first step of a token exchange.
CREATE FUNCTION enter_scheme_of_key(p_prefix text)
RETURNS TABLE (scheme_id uuid, key_id uuid, scheme_active boolean) LANGUAGE plpgsql AS $$
#variable_conflict use_column
DECLARE
    found uuid;
BEGIN
    SELECT d.scheme_id INTO found FROM api_key_prefixes d WHERE d.prefix = p_prefix;
    PERFORM set_config('tech4all.scheme_id', coalesce(found::text, ''), false);
    RETURN QUERY SELECT d.scheme_id, d.key_id, s.status = 'active'
        FROM api_key_prefixes d JOIN schemes s ON s.id = d.scheme_id WHERE d.prefix = p_prefix;
END;
$$;

-- ---------------------------------------------------------------------------------------------
-- Row-level security: the second wall.
-- ---------------------------------------------------------------------------------------------

DO $$
DECLARE
    t text;
BEGIN
    FOR t IN SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
             WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p')
               AND (c.relname = ANY (pg_temp.scheme_owned())
                    OR c.oid IN (SELECT inhrelid FROM pg_inherits WHERE inhparent = 'impact_rollup'::regclass)) LOOP
        EXECUTE format('ALTER TABLE %I ENABLE ROW LEVEL SECURITY', t);
        EXECUTE format('CREATE POLICY scheme_wall ON %I USING (scheme_id = current_scheme()) '
                       'WITH CHECK (scheme_id = current_scheme())', t);
    END LOOP;
END;
$$;

ALTER TABLE impact_factor_sets ENABLE ROW LEVEL SECURITY;
CREATE POLICY shared_or_own ON impact_factor_sets FOR SELECT USING (scheme_id IS NULL OR scheme_id = current_scheme());
CREATE POLICY own_insert ON impact_factor_sets FOR INSERT WITH CHECK (scheme_id = current_scheme());
CREATE POLICY own_update ON impact_factor_sets FOR UPDATE USING (scheme_id = current_scheme());
CREATE POLICY own_delete ON impact_factor_sets FOR DELETE USING (scheme_id = current_scheme());
ALTER TABLE impact_factors ENABLE ROW LEVEL SECURITY;
CREATE POLICY visible_set ON impact_factors FOR SELECT
    USING (EXISTS (SELECT 1 FROM impact_factor_sets s WHERE s.id = set_id));
CREATE POLICY own_set ON impact_factors FOR ALL
    USING (EXISTS (SELECT 1 FROM impact_factor_sets s WHERE s.id = set_id AND s.scheme_id = current_scheme()))
    WITH CHECK (EXISTS (SELECT 1 FROM impact_factor_sets s WHERE s.id = set_id AND s.scheme_id = current_scheme()));

-- The role the service's pooled connections take (`SET ROLE`): no superuser or owner rights, so
-- row-level security applies to it. Created once per cluster; granted to whoever migrates.
DO $$
BEGIN
    BEGIN
        CREATE ROLE tech4all_app NOLOGIN;
    EXCEPTION WHEN duplicate_object OR unique_violation THEN
        NULL;
    END;
    IF NOT pg_has_role(current_user, 'tech4all_app', 'MEMBER') THEN
        EXECUTE format('GRANT tech4all_app TO %I', current_user);
    END IF;
END;
$$;
GRANT USAGE ON SCHEMA public TO tech4all_app;
GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO tech4all_app;
GRANT USAGE, SELECT, UPDATE ON ALL SEQUENCES IN SCHEMA public TO tech4all_app;
REVOKE ALL ON __diesel_schema_migrations FROM tech4all_app;
GRANT SELECT ON __diesel_schema_migrations TO tech4all_app;
-- Schemes are suspended, never deleted.
REVOKE DELETE ON schemes FROM tech4all_app;
ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO tech4all_app;
ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT USAGE, SELECT, UPDATE ON SEQUENCES TO tech4all_app;
