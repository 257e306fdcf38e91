DROP TABLE agreements;
DROP TABLE agreement_terms;
