SELECT 'facts' AS table_name,
       f.fact_id AS row_key,
       'is_inferred' AS column_name,
       'true' AS value,
       'rows in seeds/inference_basis.csv naming the facts or sources the note''s reasoning rests on' AS expected,
       'an inferred fact has no basis in the database' AS problem
FROM core.facts AS f
WHERE f.is_inferred AND NOT EXISTS (SELECT 1 FROM core.inference_basis AS b WHERE b.fact_id = f.fact_id)
UNION ALL
SELECT 'facts', f.fact_id, 'is_inferred', 'false',
       'true, with the reasoning in note, or no rows for it in seeds/inference_basis.csv',
       'a fact with an inference basis is not marked inferred'
FROM core.facts AS f
WHERE NOT f.is_inferred AND EXISTS (SELECT 1 FROM core.inference_basis AS b WHERE b.fact_id = f.fact_id)
