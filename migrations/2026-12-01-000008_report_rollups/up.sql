-- Rollups for the reports, kept by triggers in the same transaction as the events they count, so
-- whichever code path writes an event the reports see it, and a report costs the number of groups
-- rather than the number of devices. Triggers are per statement over transition tables, so a bulk
-- import of 10,000 devices is one aggregate upsert, not 10,000.

-- Rollup rows that many transactions add to at once (this month's laptops, a hub's month) would make
-- them queue for one row lock. Each row is therefore kept in up to eight slots, chosen by the
-- database connection, and readers add the slots up.
CREATE FUNCTION rollup_slot() RETURNS smallint LANGUAGE sql STABLE PARALLEL SAFE AS $$
    SELECT (pg_backend_pid() % 8)::smallint
$$;

-- The scheme's month for an instant: the calendar month in the UK, as the Rust code reckons it.
CREATE FUNCTION uk_month(at timestamptz) RETURNS date LANGUAGE sql STABLE PARALLEL SAFE AS $$
    SELECT date_trunc('month', at AT TIME ZONE 'Europe/London')::date
$$;

----------------------------------------------------------------------------------------------------
-- 1. Impact: the ledger names the donor and ward it was counted for, is append-only, and feeds a
--    rollup kept at several grains.

ALTER TABLE impact_ledger
    ADD COLUMN donor_id uuid REFERENCES organisations (id),
    ADD COLUMN ward_id uuid REFERENCES wards (id);
UPDATE impact_ledger l SET donor_id = d.donor_id FROM donations d WHERE d.id = l.donation_id;
UPDATE impact_ledger l SET ward_id = h.ward_id FROM hubs h WHERE h.id = l.hub_id;

-- Donor and ward are those of the device's donation and hub when it was counted.
CREATE FUNCTION impact_ledger_fill() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF NEW.donor_id IS NULL AND NEW.donation_id IS NOT NULL THEN
        SELECT d.donor_id INTO NEW.donor_id FROM donations d WHERE d.id = NEW.donation_id;
    END IF;
    IF NEW.ward_id IS NULL AND NEW.hub_id IS NOT NULL THEN
        SELECT h.ward_id INTO NEW.ward_id FROM hubs h WHERE h.id = NEW.hub_id;
    END IF;
    RETURN NEW;
END;
$$;
CREATE TRIGGER impact_ledger_fill BEFORE INSERT ON impact_ledger
    FOR EACH ROW EXECUTE FUNCTION impact_ledger_fill();

-- The rollup the sustainability report reads, rebuilt: one row per grain, month, category and set
-- (and donor, hub, ward as the grain keeps them), with reused and recycled devices as columns.
-- Grain says which of donor (1), hub (2) and ward (4) a row keeps; the others are NULL. Month,
-- category and set are always kept (periods, what-if). Grain 0 answers an ungrouped or
-- month/category report from a few hundred rows whatever the number of devices; 1, 2 and 4 answer
-- groupings by one of donor, hub, ward; 7 serves their pairs. Each grain is its own partition, so a
-- report scans only the rows of its grain.
DROP TABLE impact_rollup;
CREATE TABLE impact_rollup (
    grain                  smallint NOT NULL,
    month                  date NOT NULL,
    donor_id               uuid,
    category               text NOT NULL,
    hub_id                 uuid,
    ward_id                uuid,
    set_id                 uuid NOT NULL REFERENCES impact_factor_sets (id),
    devices_reused         bigint NOT NULL DEFAULT 0,
    devices_recycled       bigint NOT NULL DEFAULT 0,
    co2e_saved_g           bigint NOT NULL DEFAULT 0,
    landfill_saved_g       bigint NOT NULL DEFAULT 0,
    -- Landfill split into weights known from the device and a count of devices at the category
    -- average, so a report can recompute landfill under another set without reading devices.
    known_weight_g         bigint NOT NULL DEFAULT 0,
    unknown_weight_devices bigint NOT NULL DEFAULT 0,
    slot                   smallint NOT NULL DEFAULT 0,
    CONSTRAINT impact_rollup_key UNIQUE NULLS NOT DISTINCT (grain, month, donor_id, category, hub_id, ward_id, set_id, slot)
) PARTITION BY LIST (grain);
CREATE TABLE impact_rollup_total PARTITION OF impact_rollup FOR VALUES IN (0);
CREATE TABLE impact_rollup_by_donor PARTITION OF impact_rollup FOR VALUES IN (1);
CREATE TABLE impact_rollup_by_hub PARTITION OF impact_rollup FOR VALUES IN (2);
CREATE TABLE impact_rollup_by_ward PARTITION OF impact_rollup FOR VALUES IN (4);
CREATE TABLE impact_rollup_by_all PARTITION OF impact_rollup FOR VALUES IN (7);

-- Folds each statement's new ledger entries into every grain of the rollup.
CREATE FUNCTION impact_rollup_add() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO impact_rollup AS r (grain, month, donor_id, category, hub_id, ward_id, set_id, devices_reused,
                                    devices_recycled, co2e_saved_g, landfill_saved_g, known_weight_g,
                                    unknown_weight_devices, slot)
    SELECT g.grain, uk_month(l.occurred_at),
           CASE WHEN g.grain & 1 <> 0 THEN l.donor_id END,
           l.category,
           CASE WHEN g.grain & 2 <> 0 THEN l.hub_id END,
           CASE WHEN g.grain & 4 <> 0 THEN l.ward_id END,
           l.set_id, count(*) FILTER (WHERE l.kind = 'reused'), count(*) FILTER (WHERE l.kind = 'recycled'),
           sum(l.co2e_saved_g), sum(l.landfill_saved_g),
           coalesce(sum(l.landfill_saved_g) FILTER (WHERE l.weight_source = 'device'), 0),
           count(*) FILTER (WHERE l.weight_source <> 'device'), rollup_slot()
    FROM new_entries l CROSS JOIN unnest('{0,1,2,4,7}'::smallint[]) AS g (grain)
    GROUP BY 1, 2, 3, 4, 5, 6, 7
    ORDER BY 1, 2, 3, 4, 5, 6, 7
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
CREATE TRIGGER impact_rollup_add AFTER INSERT ON impact_ledger
    REFERENCING NEW TABLE AS new_entries FOR EACH STATEMENT EXECUTE FUNCTION impact_rollup_add();

-- The rollup of the ledger so far: its entries pass through the trigger once more.
CREATE TEMP TABLE ledger_so_far ON COMMIT DROP AS SELECT * FROM impact_ledger;
DELETE FROM impact_ledger;
INSERT INTO impact_ledger SELECT * FROM ledger_so_far;

-- A counted device stays counted as it was: the rollup is a function of the ledger only if the
-- ledger never changes.
CREATE FUNCTION impact_ledger_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'the impact ledger is append-only' USING ERRCODE = 'restrict_violation';
END;
$$;
CREATE TRIGGER impact_ledger_no_update_or_delete BEFORE UPDATE OR DELETE ON impact_ledger
    FOR EACH ROW EXECUTE FUNCTION impact_ledger_append_only();
CREATE TRIGGER impact_ledger_no_truncate BEFORE TRUNCATE ON impact_ledger
    FOR EACH STATEMENT EXECUTE FUNCTION impact_ledger_append_only();

-- The merge functions are PL/pgSQL rather than SQL so their plans are cached per session (PostgreSQL
-- plans an SQL-language function's statements afresh on every call), and return at once when a
-- statement brought nothing to count.

----------------------------------------------------------------------------------------------------
-- 2. Distribution: what each hub received, refurbished, recycled, sold, lent and gave out, by month.
--    One row per hub and month (NULL hub: devices recorded without one), so the table holds
--    hubs × months rows however many devices pass through. Ward is the hub's ward at the time.

CREATE TABLE distribution_rollup (
    month                  date NOT NULL,
    hub_id                 uuid REFERENCES hubs (id),
    ward_id                uuid REFERENCES wards (id),
    devices_received       bigint NOT NULL DEFAULT 0,
    devices_refurbished    bigint NOT NULL DEFAULT 0,
    devices_recycled       bigint NOT NULL DEFAULT 0,
    devices_sold           bigint NOT NULL DEFAULT 0,
    sales_refunded         bigint NOT NULL DEFAULT 0,
    -- Net of refunds, in the month the money moved.
    takings_pence          bigint NOT NULL DEFAULT 0,
    subsidy_pence          bigint NOT NULL DEFAULT 0,
    loans_made             bigint NOT NULL DEFAULT 0,
    sims_allocated         bigint NOT NULL DEFAULT 0,
    sims_replaced          bigint NOT NULL DEFAULT 0,
    sim_data_gb_per_month  bigint NOT NULL DEFAULT 0,
    slot                   smallint NOT NULL DEFAULT 0,
    CONSTRAINT distribution_rollup_key UNIQUE NULLS NOT DISTINCT (month, hub_id, ward_id, slot)
);

-- Adds a set of (month, hub, figures) rows to the rollup, merging rows with the same key.
CREATE FUNCTION distribution_merge(rows_json jsonb) RETURNS void LANGUAGE plpgsql AS $$
BEGIN
    IF rows_json IS NULL OR jsonb_array_length(rows_json) = 0 THEN
        RETURN;
    END IF;
    INSERT INTO distribution_rollup AS r (month, hub_id, ward_id, devices_received, devices_refurbished,
        devices_recycled, devices_sold, sales_refunded, takings_pence, subsidy_pence, loans_made, sims_allocated,
        sims_replaced, sim_data_gb_per_month, slot)
    SELECT x.month, x.hub_id, h.ward_id, coalesce(sum(x.devices_received), 0),
           coalesce(sum(x.devices_refurbished), 0), coalesce(sum(x.devices_recycled), 0),
           coalesce(sum(x.devices_sold), 0), coalesce(sum(x.sales_refunded), 0),
           coalesce(sum(x.takings_pence), 0), coalesce(sum(x.subsidy_pence), 0), coalesce(sum(x.loans_made), 0),
           coalesce(sum(x.sims_allocated), 0), coalesce(sum(x.sims_replaced), 0),
           coalesce(sum(x.sim_data_gb_per_month), 0), rollup_slot()
    FROM jsonb_to_recordset(rows_json) AS x (month date, hub_id uuid, devices_received bigint,
        devices_refurbished bigint, devices_recycled bigint, devices_sold bigint, sales_refunded bigint,
        takings_pence bigint, subsidy_pence bigint, loans_made bigint, sims_allocated bigint,
        sims_replaced bigint, sim_data_gb_per_month bigint)
    LEFT JOIN LATERAL (SELECT ward_id FROM hubs WHERE id = x.hub_id LIMIT 1) h ON true
    GROUP BY x.month, x.hub_id, h.ward_id
    ORDER BY x.month, x.hub_id
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

-- Device flows from the custody history: received, refurbished, recycled.
CREATE FUNCTION distribution_from_device_events() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM distribution_merge(coalesce(jsonb_agg(jsonb_strip_nulls(jsonb_build_object(
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
CREATE TRIGGER distribution_from_device_events AFTER INSERT ON device_events
    REFERENCING NEW TABLE AS new_events FOR EACH STATEMENT EXECUTE FUNCTION distribution_from_device_events();

----------------------------------------------------------------------------------------------------
-- 3. Reach: how many devices and SIMs reached residents of each ward and eligibility category, and
--    which residents (one row per resident and month, for counting people so small groups can be
--    suppressed). Ward and eligibility are the resident's when the hand-out happened.

CREATE TABLE reach_rollup (
    month         date NOT NULL,
    ward_id       uuid REFERENCES wards (id),
    eligibility   text NOT NULL,
    devices_sold  bigint NOT NULL DEFAULT 0,
    devices_lent  bigint NOT NULL DEFAULT 0,
    sims          bigint NOT NULL DEFAULT 0,
    slot          smallint NOT NULL DEFAULT 0,
    CONSTRAINT reach_rollup_key UNIQUE NULLS NOT DISTINCT (month, ward_id, eligibility, slot)
);

CREATE TABLE reach_people (
    month        date NOT NULL,
    resident_id  uuid NOT NULL REFERENCES residents (id),
    ward_id      uuid REFERENCES wards (id),
    eligibility  text NOT NULL,
    CONSTRAINT reach_people_key UNIQUE NULLS NOT DISTINCT (month, resident_id, ward_id, eligibility)
);

-- Adds hand-outs given as (month, resident_id, sold, lent, sims) to both reach tables.
CREATE FUNCTION reach_merge(rows_json jsonb) RETURNS void LANGUAGE plpgsql AS $$
BEGIN
    IF rows_json IS NULL OR jsonb_array_length(rows_json) = 0 THEN
        RETURN;
    END IF;
    WITH batch AS (
        SELECT x.month, r.ward_id, r.eligibility, x.resident_id, coalesce(x.sold, 0) AS sold,
               coalesce(x.lent, 0) AS lent, coalesce(x.sims, 0) AS sims
        FROM jsonb_to_recordset(rows_json) AS x (month date, resident_id uuid, sold bigint, lent bigint, sims bigint)
        -- LATERAL with LIMIT keeps this an index lookup per row: the planner guesses 100 rows for
        -- jsonb_to_recordset and would otherwise scan every resident to hash-join one.
        CROSS JOIN LATERAL (SELECT ward_id, eligibility FROM residents WHERE id = x.resident_id LIMIT 1) r
    ), counted AS (
        INSERT INTO reach_rollup AS t (month, ward_id, eligibility, devices_sold, devices_lent, sims, slot)
        SELECT month, ward_id, eligibility, sum(sold), sum(lent), sum(sims), rollup_slot() FROM batch
        GROUP BY 1, 2, 3 ORDER BY 1, 2, 3
        ON CONFLICT ON CONSTRAINT reach_rollup_key DO UPDATE SET
            devices_sold = t.devices_sold + EXCLUDED.devices_sold,
            devices_lent = t.devices_lent + EXCLUDED.devices_lent,
            sims = t.sims + EXCLUDED.sims
    )
    INSERT INTO reach_people (month, resident_id, ward_id, eligibility)
    SELECT DISTINCT month, resident_id, ward_id, eligibility FROM batch
    ON CONFLICT ON CONSTRAINT reach_people_key DO NOTHING;
END;
$$;

----------------------------------------------------------------------------------------------------
-- 4. Sales: devices sold, takings and subsidy; refunds take their price back in the refund's month.

CREATE FUNCTION distribution_from_sales() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        PERFORM distribution_merge(coalesce(jsonb_agg(jsonb_build_object(
            'month', uk_month(s.sold_at), 'hub_id', s.hub_id, 'devices_sold', 1,
            'takings_pence', s.price_pence, 'subsidy_pence', s.subsidy_pence)), '[]'))
        FROM new_sales s;
        PERFORM reach_merge(coalesce(jsonb_agg(jsonb_build_object(
            'month', uk_month(s.sold_at), 'resident_id', s.resident_id, 'sold', 1)), '[]'))
        FROM new_sales s;
    ELSE
        PERFORM distribution_merge(coalesce(jsonb_agg(jsonb_build_object(
            'month', uk_month(n.refunded_at), 'hub_id', n.hub_id, 'sales_refunded', 1,
            'takings_pence', -n.price_pence, 'subsidy_pence', -n.subsidy_pence)), '[]'))
        FROM new_sales n JOIN old_sales o ON o.id = n.id
        WHERE o.refunded_at IS NULL AND n.refunded_at IS NOT NULL;
    END IF;
    RETURN NULL;
END;
$$;
CREATE TRIGGER distribution_from_new_sales AFTER INSERT ON sales
    REFERENCING NEW TABLE AS new_sales FOR EACH STATEMENT EXECUTE FUNCTION distribution_from_sales();
CREATE TRIGGER distribution_from_refunds AFTER UPDATE ON sales
    REFERENCING OLD TABLE AS old_sales NEW TABLE AS new_sales FOR EACH STATEMENT
    EXECUTE FUNCTION distribution_from_sales();

----------------------------------------------------------------------------------------------------
-- 5. Loans: loans made by month. Loans open now are read from the loans themselves through this
--    index of open loans (a snapshot bounded by the devices out on loan, not a history).

CREATE INDEX loans_open_by_hub_idx ON loans (hub_id, lent_at, due_on) WHERE returned_at IS NULL AND lost_at IS NULL;

CREATE FUNCTION distribution_from_loans() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM distribution_merge(coalesce(jsonb_agg(jsonb_build_object(
        'month', uk_month(l.lent_at), 'hub_id', l.hub_id, 'loans_made', 1)), '[]'))
    FROM new_loans l;
    PERFORM reach_merge(coalesce(jsonb_agg(jsonb_build_object(
        'month', uk_month(l.lent_at), 'resident_id', l.resident_id, 'lent', 1)), '[]'))
    FROM new_loans l;
    RETURN NULL;
END;
$$;
CREATE TRIGGER distribution_from_new_loans AFTER INSERT ON loans
    REFERENCING NEW TABLE AS new_loans FOR EACH STATEMENT EXECUTE FUNCTION distribution_from_loans();

----------------------------------------------------------------------------------------------------
-- 6. SIMs: allocations and the monthly data they carry (replacements for lost SIMs are counted
--    apart: the same person, the same allowance).

CREATE FUNCTION distribution_from_sim_allocations() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM distribution_merge(coalesce(jsonb_agg(jsonb_build_object(
        'month', date_trunc('month', a.allocated_on)::date, 'hub_id', a.hub_id,
        'sims_allocated', CASE WHEN a.replaces_id IS NULL THEN 1 ELSE 0 END,
        'sims_replaced', CASE WHEN a.replaces_id IS NULL THEN 0 ELSE 1 END,
        'sim_data_gb_per_month', CASE WHEN a.replaces_id IS NULL THEN b.data_gb_per_month ELSE 0 END)), '[]'))
    FROM new_allocations a JOIN sims s ON s.id = a.sim_id JOIN sim_batches b ON b.id = s.batch_id;
    PERFORM reach_merge(coalesce(jsonb_agg(jsonb_build_object(
        'month', date_trunc('month', a.allocated_on)::date, 'resident_id', a.resident_id, 'sims', 1)), '[]'))
    FROM new_allocations a WHERE a.replaces_id IS NULL;
    RETURN NULL;
END;
$$;
CREATE TRIGGER distribution_from_sim_allocations AFTER INSERT ON sim_allocations
    REFERENCING NEW TABLE AS new_allocations FOR EACH STATEMENT
    EXECUTE FUNCTION distribution_from_sim_allocations();

----------------------------------------------------------------------------------------------------
-- 7. Fill every rollup from what is already on record (wards and eligibility as they are now).

SELECT distribution_merge(coalesce(jsonb_agg(jsonb_strip_nulls(jsonb_build_object(
    'month', uk_month(e.occurred_at),
    'hub_id', coalesce(e.to_hub_id, e.from_hub_id),
    'devices_received', CASE WHEN e.kind = 'received' THEN 1 END,
    'devices_refurbished', CASE WHEN e.kind = 'refurbishment_completed' THEN 1 END,
    'devices_recycled', CASE WHEN e.to_status = 'recycled' THEN 1 END))), '[]'))
FROM device_events e
WHERE e.kind IN ('received', 'refurbishment_completed')
   OR (e.to_status = 'recycled' AND e.from_status IS DISTINCT FROM 'recycled');

SELECT distribution_merge(coalesce(jsonb_agg(jsonb_build_object(
    'month', uk_month(s.sold_at), 'hub_id', s.hub_id, 'devices_sold', 1,
    'takings_pence', s.price_pence, 'subsidy_pence', s.subsidy_pence)), '[]'))
FROM sales s;
SELECT distribution_merge(coalesce(jsonb_agg(jsonb_build_object(
    'month', uk_month(s.refunded_at), 'hub_id', s.hub_id, 'sales_refunded', 1,
    'takings_pence', -s.price_pence, 'subsidy_pence', -s.subsidy_pence)), '[]'))
FROM sales s WHERE s.refunded_at IS NOT NULL;
SELECT distribution_merge(coalesce(jsonb_agg(jsonb_build_object(
    'month', uk_month(l.lent_at), 'hub_id', l.hub_id, 'loans_made', 1)), '[]'))
FROM loans l;
SELECT distribution_merge(coalesce(jsonb_agg(jsonb_build_object(
    'month', date_trunc('month', a.allocated_on)::date, 'hub_id', a.hub_id,
    'sims_allocated', CASE WHEN a.replaces_id IS NULL THEN 1 ELSE 0 END,
    'sims_replaced', CASE WHEN a.replaces_id IS NULL THEN 0 ELSE 1 END,
    'sim_data_gb_per_month', CASE WHEN a.replaces_id IS NULL THEN b.data_gb_per_month ELSE 0 END)), '[]'))
FROM sim_allocations a JOIN sims s ON s.id = a.sim_id JOIN sim_batches b ON b.id = s.batch_id;

SELECT reach_merge(coalesce(jsonb_agg(h), '[]')) FROM (
    SELECT jsonb_build_object('month', uk_month(sold_at), 'resident_id', resident_id, 'sold', 1) AS h FROM sales
    UNION ALL
    SELECT jsonb_build_object('month', uk_month(lent_at), 'resident_id', resident_id, 'lent', 1) FROM loans
    UNION ALL
    SELECT jsonb_build_object('month', date_trunc('month', allocated_on)::date, 'resident_id', resident_id, 'sims', 1)
    FROM sim_allocations WHERE replaces_id IS NULL
) handouts;
