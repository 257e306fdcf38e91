DROP TABLE closures;
ALTER TABLE hubs DROP COLUMN opening_hours;
DROP FUNCTION valid_opening_hours(jsonb);
