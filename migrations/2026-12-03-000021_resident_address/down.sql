ALTER TABLE residents DROP CONSTRAINT residents_erased_address;
ALTER TABLE residents DROP COLUMN address_lines;
