-- The invariants the scheme's records must keep whatever happened (load, crashes, restarts): one
-- row per check with the number of records breaking it. Every count must be 0.
--
--   psql -X -A -t -F ' ' -f bench/invariants.sql "$DATABASE_URL"
WITH status_events AS (
    SELECT device_id, from_status, to_status,
           lag(to_status) OVER (PARTITION BY device_id ORDER BY occurred_at, id) AS previous,
           row_number() OVER (PARTITION BY device_id ORDER BY occurred_at DESC, id DESC) AS from_last
    FROM device_events WHERE to_status IS NOT NULL
), last_event AS (
    SELECT device_id, to_status FROM status_events WHERE from_last = 1
), open_loans AS (
    SELECT device_id, count(*) AS n FROM loans WHERE returned_at IS NULL AND lost_at IS NULL GROUP BY device_id
), active_sales AS (
    SELECT device_id, count(*) AS n FROM sales WHERE refunded_at IS NULL GROUP BY device_id
), active_sims AS (
    SELECT sim_id, count(*) AS n FROM sim_allocations WHERE ended_at IS NULL GROUP BY sim_id
), ledger AS (
    SELECT count(*) FILTER (WHERE kind = 'reused') AS reused, count(*) FILTER (WHERE kind = 'recycled') AS recycled,
           coalesce(sum(co2e_saved_g), 0) AS co2e, coalesce(sum(landfill_saved_g), 0) AS landfill
    FROM impact_ledger
), distribution AS (
    SELECT coalesce(sum(devices_received), 0) AS received, coalesce(sum(devices_sold), 0) AS sold,
           coalesce(sum(sales_refunded), 0) AS refunded, coalesce(sum(loans_made), 0) AS lent,
           coalesce(sum(sims_allocated), 0) AS sims, coalesce(sum(takings_pence), 0) AS takings
    FROM distribution_rollup
), handovers AS (
    SELECT device_id, occurred_at, lag(occurred_at) OVER (PARTITION BY device_id ORDER BY occurred_at, id) AS before
    FROM device_events WHERE to_status IN ('on_loan', 'sold') AND from_status IS DISTINCT FROM to_status
), sanitised AS (
    SELECT device_id, performed_at FROM wipe_records WHERE verified
    UNION ALL SELECT device_id, performed_at FROM device_resets WHERE verified
), reach AS (
    SELECT coalesce(sum(devices_sold), 0) AS sold, coalesce(sum(devices_lent), 0) AS lent, coalesce(sum(sims), 0) AS sims
    FROM reach_rollup
)
SELECT 'device on loan without exactly one open loan' AS invariant, count(*) AS broken FROM devices d
    LEFT JOIN open_loans o ON o.device_id = d.id
    WHERE d.status = 'on_loan' AND coalesce(o.n, 0) <> 1
UNION ALL SELECT 'open loan of a device not on loan', count(*) FROM open_loans o JOIN devices d ON d.id = o.device_id
    WHERE d.status <> 'on_loan'
UNION ALL SELECT 'sold device without exactly one active sale', count(*) FROM devices d LEFT JOIN active_sales s ON s.device_id = d.id
    WHERE d.status = 'sold' AND coalesce(s.n, 0) <> 1
UNION ALL SELECT 'active sale of a device not sold', count(*) FROM active_sales s JOIN devices d ON d.id = s.device_id
    WHERE d.status <> 'sold'
UNION ALL SELECT 'device both on an open loan and in an active sale', count(*) FROM open_loans o
    JOIN active_sales s ON s.device_id = o.device_id
UNION ALL SELECT 'device counted more than once in the ledger', count(*)
    FROM (SELECT device_id FROM impact_ledger GROUP BY device_id HAVING count(*) > 1) x
UNION ALL SELECT 'allocated SIM without exactly one holder', count(*) FROM sims m LEFT JOIN active_sims a ON a.sim_id = m.id
    WHERE m.status = 'allocated' AND coalesce(a.n, 0) <> 1
UNION ALL SELECT 'SIM held but not allocated', count(*) FROM active_sims a JOIN sims m ON m.id = a.sim_id
    WHERE m.status <> 'allocated'
UNION ALL SELECT 'device whose history does not end in its status', count(*) FROM devices d
    LEFT JOIN last_event e ON e.device_id = d.id WHERE e.to_status IS DISTINCT FROM d.status
UNION ALL SELECT 'history step that does not start where the one before ended', count(*) FROM status_events
    WHERE previous IS NOT NULL AND from_status IS DISTINCT FROM previous
UNION ALL SELECT 'device handed to the next person without a reset or wipe since the last', count(*)
    FROM handovers h JOIN devices d ON d.id = h.device_id
    WHERE h.before IS NOT NULL AND category_has_storage(d.category)
      AND NOT EXISTS (SELECT 1 FROM sanitised s
                      WHERE s.device_id = h.device_id AND s.performed_at > h.before AND s.performed_at <= h.occurred_at)
UNION ALL SELECT 'device sold or lent without its reuse in the ledger', count(*) FROM devices d
    WHERE (EXISTS (SELECT 1 FROM sales s WHERE s.device_id = d.id) OR EXISTS (SELECT 1 FROM loans l WHERE l.device_id = d.id))
      AND NOT EXISTS (SELECT 1 FROM impact_ledger x WHERE x.device_id = d.id AND x.kind = 'reused')
UNION ALL SELECT 'impact rollup grains that differ from the ledger', count(*)
    FROM (SELECT grain, sum(devices_reused) AS reused, sum(devices_recycled) AS recycled, sum(co2e_saved_g) AS co2e,
                 sum(landfill_saved_g) AS landfill FROM impact_rollup GROUP BY grain) r, ledger l
    WHERE (r.reused, r.recycled, r.co2e, r.landfill) IS DISTINCT FROM (l.reused, l.recycled, l.co2e, l.landfill)
UNION ALL SELECT 'distribution rollup differs from the records', count(*) FROM distribution x
    WHERE (x.received, x.sold, x.refunded, x.lent, x.sims, x.takings) IS DISTINCT FROM (
        (SELECT count(*) FROM device_events WHERE kind = 'received'),
        (SELECT count(*) FROM sales), (SELECT count(*) FROM sales WHERE refunded_at IS NOT NULL),
        (SELECT count(*) FROM loans), (SELECT count(*) FROM sim_allocations WHERE replaces_id IS NULL),
        (SELECT coalesce(sum(price_pence), 0) FROM sales WHERE refunded_at IS NULL))
UNION ALL SELECT 'reach rollup differs from the records', count(*) FROM reach x
    WHERE (x.sold, x.lent, x.sims) IS DISTINCT FROM (
        (SELECT count(*) FROM sales), (SELECT count(*) FROM loans),
        (SELECT count(*) FROM sim_allocations WHERE replaces_id IS NULL));
