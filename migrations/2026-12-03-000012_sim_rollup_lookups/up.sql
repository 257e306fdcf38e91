-- The SIM allocations' rollup trigger looks each allocation's SIM and batch up by key, one row at a
-- time (LATERAL … LIMIT 1), as reach_merge does for residents. Left to a join, the planner could
-- put a scan of every SIM (with the row-level security filter evaluated on each) inside a loop over
-- the allocations, which made a bulk allocation take minutes once several schemes shared the table.
CREATE OR REPLACE FUNCTION distribution_from_sim_allocations() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM distribution_merge(coalesce(jsonb_agg(jsonb_build_object(
        'scheme_id', a.scheme_id, 'month', date_trunc('month', a.allocated_on)::date, 'hub_id', a.hub_id,
        'sims_allocated', CASE WHEN a.replaces_id IS NULL THEN 1 ELSE 0 END,
        'sims_replaced', CASE WHEN a.replaces_id IS NULL THEN 0 ELSE 1 END,
        'sim_data_gb_per_month', CASE WHEN a.replaces_id IS NULL THEN b.data_gb_per_month ELSE 0 END)), '[]'))
    FROM new_allocations a
    CROSS JOIN LATERAL (SELECT s.batch_id FROM sims s WHERE s.scheme_id = a.scheme_id AND s.id = a.sim_id LIMIT 1) s
    CROSS JOIN LATERAL (SELECT b.data_gb_per_month FROM sim_batches b
                        WHERE b.scheme_id = a.scheme_id AND b.id = s.batch_id LIMIT 1) b;
    PERFORM reach_merge(coalesce(jsonb_agg(jsonb_build_object(
        'scheme_id', a.scheme_id, 'month', date_trunc('month', a.allocated_on)::date,
        'resident_id', a.resident_id, 'sims', 1)), '[]'))
    FROM new_allocations a WHERE a.replaces_id IS NULL;
    RETURN NULL;
END;
$$;
