ALTER TABLE sim_allocations DROP CONSTRAINT sim_allocations_loan_id_fkey;
DROP TABLE holds;
DROP TABLE loans;
DROP TABLE loan_rules;
