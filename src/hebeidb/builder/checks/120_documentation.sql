-- Every base table and its columns, every view, and every public view's columns carry a description:
-- the exports copy them into datapackage.json, and users read them with duckdb_columns().
SELECT 'schema' AS table_name,
       NULL AS row_key,
       column_name,
       NULL AS value,
       'a COMMENT ON COLUMN ' || CASE WHEN schema_name = 'main' THEN '' ELSE schema_name || '.' END
           || table_name || '.' || column_name AS expected,
       'column ' || schema_name || '.' || table_name || '.' || column_name || ' has no description' AS problem,
       'schema/' AS file,
       NULL AS line
FROM duckdb_columns() AS c
WHERE database_name = current_database()
  AND NOT internal
  AND ((schema_name = 'main' AND NOT starts_with(table_name, 'report_'))
       OR (schema_name = 'core' AND EXISTS (SELECT 1 FROM duckdb_tables() AS t
                                            WHERE t.database_name = c.database_name
                                              AND t.schema_name = c.schema_name
                                              AND t.table_name = c.table_name)))
  AND (comment IS NULL OR trim(comment) = '')
UNION ALL
SELECT 'schema', NULL, NULL, NULL, 'a COMMENT ON ' || kind || ' ' || name,
       kind || ' ' || name || ' has no description', 'schema/', NULL
FROM (SELECT 'TABLE' AS kind, schema_name || '.' || table_name AS name, comment
      FROM duckdb_tables() WHERE database_name = current_database() AND NOT internal
      UNION ALL
      SELECT 'VIEW', schema_name || '.' || view_name, comment
      FROM duckdb_views() WHERE database_name = current_database() AND NOT internal
        AND schema_name IN ('core', 'main'))
WHERE comment IS NULL OR trim(comment) = ''
