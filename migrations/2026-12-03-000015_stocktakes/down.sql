DROP TABLE stocktake_scans;
DROP TABLE stocktake_expected;
DROP TABLE stocktakes;
