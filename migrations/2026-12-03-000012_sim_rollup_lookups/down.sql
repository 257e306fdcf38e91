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
