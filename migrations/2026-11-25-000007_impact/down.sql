DROP TABLE impact_rollup;
DROP TABLE impact_ledger;
DROP TRIGGER impact_factors_frozen ON impact_factors;
DROP FUNCTION impact_factors_frozen();
DROP TABLE impact_factors;
DROP TRIGGER impact_factor_sets_frozen ON impact_factor_sets;
DROP FUNCTION impact_factor_sets_frozen();
DROP TABLE impact_factor_sets;
