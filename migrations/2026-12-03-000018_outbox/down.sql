DROP TRIGGER residents_erase_messages ON residents;
DROP FUNCTION residents_erase_messages();
DROP FUNCTION outbox_claim(integer, integer);
DROP TABLE outbox;
