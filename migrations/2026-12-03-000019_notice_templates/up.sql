-- A scheme's own wording for a kind of notice (DESIGN §11); without one, the service's default.
CREATE TABLE notice_templates (
    scheme_id   uuid NOT NULL DEFAULT current_scheme() REFERENCES schemes (id),
    kind        text NOT NULL CHECK (kind IN ('loan_due_soon', 'loan_overdue', 'hold_ready', 'hold_lapsing',
                                              'sim_ending', 'sale_receipt')),
    subject     text NOT NULL CHECK (length(subject) BETWEEN 1 AND 200),
    body        text NOT NULL CHECK (length(body) BETWEEN 1 AND 5000),
    updated_by  uuid,
    updated_at  timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT notice_templates_pkey PRIMARY KEY (scheme_id, kind),
    CONSTRAINT notice_templates_updated_by_fkey FOREIGN KEY (scheme_id, updated_by) REFERENCES users (scheme_id, id)
);
ALTER TABLE notice_templates ENABLE ROW LEVEL SECURITY;
CREATE POLICY scheme_wall ON notice_templates USING (scheme_id = current_scheme())
    WITH CHECK (scheme_id = current_scheme());
