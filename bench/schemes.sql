-- Another scheme for the many-schemes benchmark, with what bench/seed.sql expects of the demo:
-- 21 wards, three donors, a refurbisher, a connectivity supplier, a default loan rule and a hub
-- staff member. Variables: :scheme (id), :code (its code), :staff (the staff member's email).
--
--   psql -v scheme=<uuid> -v code=B01 -v staff=staff-b01@bench.test -f bench/schemes.sql
\set ON_ERROR_STOP on
SET ROLE tech4all_app;
INSERT INTO schemes (id, name, code, asset_tag_prefix, receipt_prefix, default_factor_set_id)
VALUES (:'scheme', 'Bench scheme ' || :'code', :'code', :'code', :'code' || '-S', '00000000-0000-7000-8000-0000000000a1');
SELECT set_config('tech4all.scheme_id', :'scheme', false);
INSERT INTO loan_rules (id) VALUES (gen_random_uuid());
INSERT INTO wards (id, name, deri_score)
SELECT gen_random_uuid(), 'Ward ' || lpad(g::text, 2, '0'), (g % 5)::float8 FROM generate_series(1, 21) g;
INSERT INTO organisations (id, name, roles) VALUES
    (gen_random_uuid(), 'Donor A', '{donor}'),
    (gen_random_uuid(), 'Donor B', '{donor}'),
    (gen_random_uuid(), 'Donor C', '{donor}'),
    (gen_random_uuid(), 'Community Computers', '{refurbisher,recycler}'),
    (gen_random_uuid(), 'National Databank', '{connectivity_supplier}');
INSERT INTO users (id, email, display_name, role) VALUES (gen_random_uuid(), :'staff', 'Bench staff', 'hub_staff');
