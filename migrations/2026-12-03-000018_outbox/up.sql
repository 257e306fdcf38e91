-- Notices (DESIGN §11): whatever must tell someone later is written to the outbox, in the same
-- transaction as the change that causes it (a sale's receipt) or by the scheduled pass (a loan
-- falling due). A worker in every instance claims due rows, sends them, and records the outcome.
-- The natural key (what the notice is about, its kind, its occurrence) is unique: however many
-- times the pass runs, and however many instances, each notice is queued once, and a claimed row
-- is leased, so a crash mid-send resends at most that one message.

CREATE TABLE outbox (
    scheme_id        uuid NOT NULL DEFAULT current_scheme() REFERENCES schemes (id),
    id               uuid NOT NULL,
    natural_key      text NOT NULL CHECK (length(natural_key) BETWEEN 1 AND 300),
    kind             text NOT NULL CHECK (kind IN ('loan_due_soon', 'loan_overdue', 'hold_ready', 'hold_lapsing',
                                                   'sim_ending', 'sale_receipt')),
    resident_id      uuid,
    hub_id           uuid,
    -- The template's placeholders, as the change that caused the notice knew them.
    data             jsonb NOT NULL DEFAULT '{}',
    status           text NOT NULL DEFAULT 'pending'
                         CHECK (status IN ('pending', 'sending', 'to_print', 'sent', 'skipped', 'gave_up')),
    channel          text CHECK (channel IN ('email', 'sms', 'letter', 'print')),
    recipient        text,
    subject          text,
    body             text,
    attempts         integer NOT NULL DEFAULT 0 CHECK (attempts >= 0),
    next_attempt_at  timestamptz NOT NULL DEFAULT now(),
    claimed_until    timestamptz,
    last_error       text,
    created_at       timestamptz NOT NULL DEFAULT now(),
    sent_at          timestamptz,
    CONSTRAINT outbox_pkey PRIMARY KEY (scheme_id, id),
    CONSTRAINT outbox_natural_key UNIQUE (scheme_id, natural_key),
    CONSTRAINT outbox_resident_id_fkey FOREIGN KEY (scheme_id, resident_id) REFERENCES residents (scheme_id, id),
    CONSTRAINT outbox_hub_id_fkey FOREIGN KEY (scheme_id, hub_id) REFERENCES hubs (scheme_id, id),
    CONSTRAINT outbox_sent_when CHECK ((status = 'sent') = (sent_at IS NOT NULL))
);
CREATE INDEX outbox_due_idx ON outbox (next_attempt_at) WHERE status IN ('pending', 'sending');
CREATE INDEX outbox_resident_idx ON outbox (scheme_id, resident_id, created_at);
ALTER TABLE outbox ENABLE ROW LEVEL SECURITY;
CREATE POLICY scheme_wall ON outbox USING (scheme_id = current_scheme()) WITH CHECK (scheme_id = current_scheme());

-- The worker serves every scheme: it claims due rows across them (as the owner, past row-level
-- security, through this function alone) and then works on each inside its own scheme. A row is
-- due when pending and its time has come, or when a claim on it lapsed (its sender died).
CREATE FUNCTION outbox_claim(p_limit integer, p_lease_seconds integer)
RETURNS TABLE (scheme_id uuid, id uuid)
LANGUAGE sql SECURITY DEFINER SET search_path = public AS $$
    UPDATE outbox o SET status = 'sending', attempts = o.attempts + 1,
                        claimed_until = now() + make_interval(secs => p_lease_seconds)
    WHERE (o.scheme_id, o.id) IN (
        SELECT d.scheme_id, d.id FROM outbox d
        WHERE (d.status = 'pending' AND d.next_attempt_at <= now())
           OR (d.status = 'sending' AND d.claimed_until < now())
        ORDER BY d.next_attempt_at
        LIMIT p_limit
        FOR UPDATE SKIP LOCKED)
    RETURNING o.scheme_id, o.id
$$;
REVOKE ALL ON FUNCTION outbox_claim(integer, integer) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION outbox_claim(integer, integer) TO tech4all_app;

-- Erasing a resident takes their messages' personal content with them; that a notice of a kind
-- went, and when, stays for the scheme's figures.
CREATE FUNCTION residents_erase_messages() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF OLD.erased_at IS NULL AND NEW.erased_at IS NOT NULL THEN
        UPDATE outbox SET recipient = NULL, subject = NULL, body = NULL, data = '{}'
        WHERE scheme_id = NEW.scheme_id AND resident_id = NEW.id;
    END IF;
    RETURN NULL;
END;
$$;
CREATE TRIGGER residents_erase_messages AFTER UPDATE OF erased_at ON residents
    FOR EACH ROW EXECUTE FUNCTION residents_erase_messages();
