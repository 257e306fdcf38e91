DROP TABLE sim_allocations;
DROP TABLE sims;
DROP TABLE sim_batches;
