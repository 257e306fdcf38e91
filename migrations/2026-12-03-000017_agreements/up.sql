-- Hand-over agreements (DESIGN §10). Each scheme publishes versioned terms for loans and for sales
-- (old versions stay readable); a loan or sale records the version the resident accepted and how:
-- on paper, by typing their name, or by signing (a small SVG or PNG). Terms marked `required`
-- make acceptance a condition of the hand-over while they are the kind's latest version.

CREATE TABLE agreement_terms (
    scheme_id     uuid NOT NULL DEFAULT current_scheme() REFERENCES schemes (id),
    id            uuid NOT NULL,
    kind          text NOT NULL CHECK (kind IN ('loan', 'sale')),
    version       integer NOT NULL CHECK (version >= 1),
    title         text NOT NULL CHECK (length(title) BETWEEN 1 AND 200),
    body          text NOT NULL CHECK (length(body) BETWEEN 1 AND 20000),
    required      boolean NOT NULL,
    published_by  uuid,
    published_at  timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT agreement_terms_pkey PRIMARY KEY (scheme_id, id),
    CONSTRAINT agreement_terms_version_key UNIQUE (scheme_id, kind, version),
    CONSTRAINT agreement_terms_published_by_fkey FOREIGN KEY (scheme_id, published_by) REFERENCES users (scheme_id, id)
);

-- Terms are what a resident agreed to: never edited, never removed.
CREATE TRIGGER agreement_terms_no_update_or_delete
    BEFORE UPDATE OR DELETE ON agreement_terms
    FOR EACH ROW EXECUTE FUNCTION device_events_append_only();

CREATE TABLE agreements (
    scheme_id       uuid NOT NULL DEFAULT current_scheme() REFERENCES schemes (id),
    id              uuid NOT NULL,
    terms_id        uuid NOT NULL,
    loan_id         uuid,
    sale_id         uuid,
    method          text NOT NULL CHECK (method IN ('paper', 'typed_name', 'signature')),
    typed_name      text CHECK (length(typed_name) BETWEEN 1 AND 200),
    signature_type  text CHECK (signature_type IN ('image/svg+xml', 'image/png')),
    signature       bytea CHECK (octet_length(signature) BETWEEN 1 AND 102400),
    accepted_at     timestamptz NOT NULL DEFAULT now(),
    recorded_by     uuid,
    CONSTRAINT agreements_pkey PRIMARY KEY (scheme_id, id),
    CONSTRAINT agreements_terms_id_fkey FOREIGN KEY (scheme_id, terms_id) REFERENCES agreement_terms (scheme_id, id),
    CONSTRAINT agreements_loan_id_fkey FOREIGN KEY (scheme_id, loan_id) REFERENCES loans (scheme_id, id),
    CONSTRAINT agreements_sale_id_fkey FOREIGN KEY (scheme_id, sale_id) REFERENCES sales (scheme_id, id),
    CONSTRAINT agreements_recorded_by_fkey FOREIGN KEY (scheme_id, recorded_by) REFERENCES users (scheme_id, id),
    CONSTRAINT agreements_one_hand_over CHECK (num_nonnulls(loan_id, sale_id) = 1),
    CONSTRAINT agreements_loan_key UNIQUE (scheme_id, loan_id),
    CONSTRAINT agreements_sale_key UNIQUE (scheme_id, sale_id),
    CONSTRAINT agreements_typed_name_with_method CHECK (method = 'typed_name' OR typed_name IS NULL),
    -- Erasure removes the signature and typed name; the record that terms were accepted stays.
    CONSTRAINT agreements_signature_with_method CHECK (method = 'signature' OR signature IS NULL),
    CONSTRAINT agreements_signature_typed CHECK ((signature IS NULL) = (signature_type IS NULL))
);

DO $$
DECLARE
    t text;
BEGIN
    FOREACH t IN ARRAY ARRAY['agreement_terms', 'agreements'] LOOP
        EXECUTE format('ALTER TABLE %I ENABLE ROW LEVEL SECURITY', t);
        EXECUTE format('CREATE POLICY scheme_wall ON %I USING (scheme_id = current_scheme()) '
                       'WITH CHECK (scheme_id = current_scheme())', t);
    END LOOP;
END;
$$;

-- Erasing a resident removes their typed name and signature from what they accepted, whichever
-- way the erasure comes (the API, the retention run); that terms were accepted, and how, stays.
CREATE FUNCTION residents_erase_agreements() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF OLD.erased_at IS NULL AND NEW.erased_at IS NOT NULL THEN
        UPDATE agreements a SET typed_name = NULL, signature = NULL, signature_type = NULL
        WHERE a.scheme_id = NEW.scheme_id
          AND (a.loan_id IN (SELECT l.id FROM loans l WHERE l.scheme_id = NEW.scheme_id AND l.resident_id = NEW.id)
               OR a.sale_id IN (SELECT s.id FROM sales s WHERE s.scheme_id = NEW.scheme_id AND s.resident_id = NEW.id));
    END IF;
    RETURN NULL;
END;
$$;
CREATE TRIGGER residents_erase_agreements AFTER UPDATE OF erased_at ON residents
    FOR EACH ROW EXECUTE FUNCTION residents_erase_agreements();
