-- Resets are evidence of sanitisation; they are not thrown away by a rollback.
DO $$ BEGIN RAISE EXCEPTION 'migration 000013 (resets) cannot be reverted'; END $$;
