-- Hubs' opening hours and closures (DESIGN §10). A due date or a hold's collection deadline that
-- falls on a day the hub is closed moves to its next open day. A hub with no hours recorded is
-- taken to be open every day, as every hub was before.

-- The week's sessions: [{"day": "monday", "opens": "09:30", "closes": "17:00"}, …], several a
-- day allowed (a library closed for lunch). Overlaps are refused by the service.
CREATE FUNCTION valid_opening_hours(hours jsonb) RETURNS boolean LANGUAGE sql IMMUTABLE AS $$
    SELECT jsonb_typeof(hours) = 'array' AND jsonb_array_length(hours) <= 28 AND NOT EXISTS (
        SELECT 1 FROM jsonb_array_elements(hours) s
        WHERE CASE WHEN jsonb_typeof(s) <> 'object' THEN true
                   ELSE (SELECT count(*) FROM jsonb_object_keys(s)) <> 3
                        OR jsonb_typeof(s -> 'day') IS DISTINCT FROM 'string'
                        OR jsonb_typeof(s -> 'opens') IS DISTINCT FROM 'string'
                        OR jsonb_typeof(s -> 'closes') IS DISTINCT FROM 'string'
                        OR s ->> 'day' NOT IN ('monday', 'tuesday', 'wednesday', 'thursday', 'friday',
                                              'saturday', 'sunday')
                        OR s ->> 'opens' !~ '^([01][0-9]|2[0-3]):[0-5][0-9]$'
                        OR s ->> 'closes' !~ '^([01][0-9]|2[0-3]):[0-5][0-9]$'
                        OR s ->> 'opens' >= s ->> 'closes'
              END)
$$;

ALTER TABLE hubs ADD COLUMN opening_hours jsonb
    CONSTRAINT hubs_opening_hours_check CHECK (opening_hours IS NULL OR valid_opening_hours(opening_hours));

-- Closed days: a bank holiday for every hub (hub_id NULL), or a hub's own (refurbishment of the
-- building, a one-off staff day).
CREATE TABLE closures (
    scheme_id   uuid NOT NULL DEFAULT current_scheme() REFERENCES schemes (id),
    id          uuid NOT NULL,
    hub_id      uuid,
    starts_on   date NOT NULL,
    ends_on     date NOT NULL,
    reason      text NOT NULL CHECK (length(reason) BETWEEN 1 AND 200),
    created_by  uuid,
    created_at  timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT closures_pkey PRIMARY KEY (scheme_id, id),
    CONSTRAINT closures_hub_id_fkey FOREIGN KEY (scheme_id, hub_id) REFERENCES hubs (scheme_id, id),
    CONSTRAINT closures_created_by_fkey FOREIGN KEY (scheme_id, created_by) REFERENCES users (scheme_id, id),
    CONSTRAINT closures_span CHECK (ends_on >= starts_on AND ends_on - starts_on <= 366)
);
CREATE INDEX closures_hub_idx ON closures (scheme_id, hub_id, ends_on);
ALTER TABLE closures ENABLE ROW LEVEL SECURITY;
CREATE POLICY scheme_wall ON closures USING (scheme_id = current_scheme())
    WITH CHECK (scheme_id = current_scheme());
