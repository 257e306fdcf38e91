-- A postal address for residents who want notices by post (GOV.UK Notify's letters): the lines
-- before the postcode, which is kept already. Optional, and erased with the rest.
ALTER TABLE residents ADD COLUMN address_lines text[]
    CONSTRAINT residents_address_lines_shape CHECK (address_lines IS NULL OR (
        cardinality(address_lines) BETWEEN 1 AND 5 AND array_position(address_lines, NULL) IS NULL));
ALTER TABLE residents ADD CONSTRAINT residents_erased_address CHECK (erased_at IS NULL OR address_lines IS NULL);
