DROP TABLE device_events;
DROP FUNCTION device_events_append_only();
DROP TABLE devices;
DROP FUNCTION next_asset_tag();
DROP SEQUENCE device_asset_tag_seq;
DROP TABLE donations;
ALTER TABLE organisations
    DROP CONSTRAINT organisations_roles_not_empty,
    DROP COLUMN contact_name, DROP COLUMN contact_email, DROP COLUMN contact_phone,
    DROP COLUMN address, DROP COLUMN notes;
