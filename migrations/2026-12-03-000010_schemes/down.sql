-- Splitting a database of several schemes back into one cannot be done in place: restore the
-- backup taken before the upgrade instead.
DO $$
BEGIN
    RAISE EXCEPTION 'the schemes migration cannot be reverted; restore the backup taken before upgrading';
END;
$$;
