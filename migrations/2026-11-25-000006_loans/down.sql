DROP TABLE holds;
DROP TABLE loans;
DROP TABLE loan_rules;
