DROP TRIGGER report_grants_end ON users;
DROP FUNCTION report_grants_end();
DROP TABLE report_grants;
