-- The result of every check the file's data passed, kept in the file so that a change-aware build can carry
-- over the result of a check whose tables did not change (and knows when a check's SQL did).
CREATE TABLE core.check_results (
    check_name  VARCHAR PRIMARY KEY,
    position    INTEGER NOT NULL,
    origin      VARCHAR NOT NULL CHECK (origin IN ('engine', 'inputs')),
    file        VARCHAR NOT NULL,
    sql_sha256  VARCHAR CHECK (regexp_full_match(sql_sha256, '[0-9a-f]{64}')),
    problems    INTEGER NOT NULL CHECK (problems >= 0),
    passed      BOOLEAN NOT NULL
);
COMMENT ON TABLE core.check_results IS 'Every check the data in this file passed: the engine''s own, the data set''s (checks/) and the contract. A change-aware build runs again the checks that read what changed and carries over the others'' results.';
COMMENT ON COLUMN core.check_results.check_name IS 'Name of the check (its file''s name without the number), or contract.';
COMMENT ON COLUMN core.check_results.position IS 'Order in which a build runs the check.';
COMMENT ON COLUMN core.check_results.origin IS 'engine: a check hebeidb runs on every data set; inputs: a check of the data set (checks/).';
COMMENT ON COLUMN core.check_results.file IS 'Where the check is written: checks/NNN_name.sql among the inputs, hebeidb: NNN_name.sql for the engine''s, the contract''s file for the contract.';
COMMENT ON COLUMN core.check_results.sql_sha256 IS 'sha256 of the check''s SQL as it ran; NULL for the contract, which the engine checks in code.';
COMMENT ON COLUMN core.check_results.problems IS 'Problems the check found: 0, or the file would not exist.';
COMMENT ON COLUMN core.check_results.passed IS 'Whether the check passed: true, or the file would not exist.';
