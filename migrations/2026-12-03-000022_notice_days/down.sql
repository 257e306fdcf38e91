ALTER TABLE schemes DROP COLUMN due_soon_notice_days, DROP COLUMN sim_ending_notice_days;
