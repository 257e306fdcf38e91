-- How far ahead residents hear of a loan falling due and of free data ending: per scheme.
ALTER TABLE schemes
    ADD COLUMN due_soon_notice_days integer NOT NULL DEFAULT 2
        CONSTRAINT schemes_due_soon_notice_days_range CHECK (due_soon_notice_days BETWEEN 1 AND 14),
    ADD COLUMN sim_ending_notice_days integer NOT NULL DEFAULT 7
        CONSTRAINT schemes_sim_ending_notice_days_range CHECK (sim_ending_notice_days BETWEEN 1 AND 60);
