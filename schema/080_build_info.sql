CREATE TABLE core.build_info (
    package_version  VARCHAR NOT NULL,
    inputs_sha256    VARCHAR NOT NULL CHECK (regexp_full_match(inputs_sha256, '[0-9a-f]{64}')),
    duckdb_version   VARCHAR NOT NULL,
    storage_version  VARCHAR NOT NULL,
    built_at         TIMESTAMP WITH TIME ZONE NOT NULL,
    n_checks         INTEGER NOT NULL,
    n_numbers        INTEGER NOT NULL,
    n_facts_covering INTEGER NOT NULL,
    n_excluded       INTEGER NOT NULL
);
COMMENT ON TABLE core.build_info IS 'One row describing the build that wrote this file: package version, hash of its inputs, time, and what the checks measured.';
COMMENT ON COLUMN core.build_info.package_version IS 'Version of the hebeidb package that built the file.';
COMMENT ON COLUMN core.build_info.inputs_sha256 IS 'sha256 over the schema, seeds and queries the file was built from (paths and bytes, in path order).';
COMMENT ON COLUMN core.build_info.duckdb_version IS 'Version of DuckDB that wrote the file.';
COMMENT ON COLUMN core.build_info.storage_version IS 'DuckDB storage format version of the file, for example v1.5.0.';
COMMENT ON COLUMN core.build_info.built_at IS 'When the build finished (from SOURCE_DATE_EPOCH when set, for reproducible builds).';
COMMENT ON COLUMN core.build_info.n_checks IS 'Number of checks the build ran; all passed, or the file would not exist.';
COMMENT ON COLUMN core.build_info.n_numbers IS 'Numbers found in the bodies of the document sources.';
COMMENT ON COLUMN core.build_info.n_facts_covering IS 'Of those, numbers captured by a fact.';
COMMENT ON COLUMN core.build_info.n_excluded IS 'Of those, numbers listed as exclusions with a reason.';
