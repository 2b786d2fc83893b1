SELECT CASE WHEN check_kind = 'repeat' THEN 'exclusions' ELSE 'facts' END AS table_name,
       CASE WHEN check_kind = 'repeat' THEN split_part(check_id, ':', 2) ELSE fact_id END AS row_key,
       CASE WHEN check_kind = 'repeat' THEN 'token' ELSE 'value' END AS column_name,
       CAST(stated_value AS VARCHAR) AS value,
       CASE check_kind
           WHEN 'part_of_whole' THEN 'at most ' || coalesce(CAST(computed_value AS VARCHAR), '(unknown)')
           WHEN 'interval' THEN 'a value inside its interval'
           WHEN 'share' THEN 'a computed share in ' || coalesce(stated_interval, '(no interval)') || ', the interval the '
                || 'stated figure means; computed ' || coalesce(CAST(computed_value AS VARCHAR), '(cannot be computed)')
           ELSE coalesce(CAST(computed_value AS VARCHAR), '(cannot be computed)')
                || CASE WHEN tolerance > 0 THEN ' within ' || CAST(tolerance AS VARCHAR) ELSE '' END
       END AS expected,
       check_kind || ' check fails: ' || coalesce(description, check_id) AS problem
FROM core.cross_checks
WHERE verdict = 'fail'
