-- The build's own record of the input files it read: every file with its sha256, from which the
-- hashes of build_info are taken. The package creates it, whatever the inputs' schema holds.
CREATE TABLE IF NOT EXISTS core.input_files (
    path         VARCHAR PRIMARY KEY,
    bytes        BIGINT NOT NULL,
    modified_ns  BIGINT NOT NULL,
    changed_ns   BIGINT NOT NULL,
    inode        UBIGINT NOT NULL,
    sha256       VARCHAR NOT NULL CHECK (regexp_full_match(sha256, '[0-9a-f]{64}')),
    hashed_ns    BIGINT NOT NULL
);
COMMENT ON TABLE core.input_files IS 'Every input file the build read, with its sha256: the hashes of build_info are taken over these rows. A later build reuses a recorded sha256 for a file whose inode, size, modification and change times are unchanged and that was changed well before it was read (hebeidb build --full reads every file again).';
COMMENT ON COLUMN core.input_files.path IS 'Path of the file among the inputs (seeds/facts.csv), or checks/NAME for a check file of the package.';
COMMENT ON COLUMN core.input_files.bytes IS 'Size of the file in bytes when it was hashed.';
COMMENT ON COLUMN core.input_files.modified_ns IS 'Modification time of the file when it was hashed, in nanoseconds since 1970-01-01 UTC.';
COMMENT ON COLUMN core.input_files.changed_ns IS 'Status change time of the file when it was hashed (moves on every write, rename or change of mode), in nanoseconds since 1970-01-01 UTC.';
COMMENT ON COLUMN core.input_files.inode IS 'Inode number of the file when it was hashed.';
COMMENT ON COLUMN core.input_files.sha256 IS 'sha256 of the file''s bytes.';
COMMENT ON COLUMN core.input_files.hashed_ns IS 'When the file was read to take its sha256, in nanoseconds since 1970-01-01 UTC.';
