DROP TABLE sales;
DROP TABLE receipt_counters;
DROP TABLE sales_session_devices;
DROP TABLE sales_sessions;
DROP TABLE residents;
DROP FUNCTION next_resident_reference();
DROP SEQUENCE resident_reference_seq;
