-- Reporters granted other schemes' reports (a network such as a combined authority). A platform
-- table, like the sign-in directory: the platform's administrators grant, and a grant is read
-- across schemes. A grant names the reporter's own scheme beside them; deleting the account ends it.
CREATE TABLE report_grants (
    scheme_id       uuid NOT NULL REFERENCES schemes (id),
    user_id         uuid NOT NULL,
    user_scheme_id  uuid NOT NULL REFERENCES schemes (id),
    granted_at      timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT report_grants_pkey PRIMARY KEY (scheme_id, user_id),
    CONSTRAINT report_grants_elsewhere CHECK (scheme_id <> user_scheme_id)
);
CREATE INDEX report_grants_user ON report_grants (user_id);

CREATE FUNCTION report_grants_end() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    DELETE FROM report_grants WHERE user_scheme_id = OLD.scheme_id AND user_id = OLD.id;
    RETURN NULL;
END;
$$;
CREATE TRIGGER report_grants_end AFTER DELETE ON users FOR EACH ROW EXECUTE FUNCTION report_grants_end();
