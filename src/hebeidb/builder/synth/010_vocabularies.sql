-- What the generator draws from: the installed domains and units, every provincial-level region,
-- and $indicators_per_domain synthetic indicators per domain (G and H are rates, the others counts).
CREATE TABLE domains AS SELECT * FROM read_csv($domains_csv);

CREATE TABLE units AS SELECT * FROM read_csv($units_csv);

CREATE TABLE regions AS
SELECT row_number() OVER () - 1 AS idx,
       lower(replace(name, ' ', '_')) AS region_id,
       name AS name_en
FROM (SELECT unnest($provinces) AS name);

CREATE TABLE indicators AS
SELECT row_number() OVER (ORDER BY d.domain_id, letter) - 1 AS idx,
       d.domain_id || '_measure_' || lower(letter) AS indicator_id,
       d.domain_id,
       d.name_en || ' measure ' || letter AS label_en,
       CASE WHEN letter IN ('G', 'H') THEN 'percent' ELSE 'persons' END AS unit_id,
       CASE WHEN letter IN ('G', 'H') THEN 'rate' ELSE 'count' END AS measure_kind,
       NULL AS tally_column,
       NULL AS part_of_indicator_id,
       'Synthetic ' || lower(d.name_en) || ' figure ' || letter || '.' AS description
FROM domains AS d,
     (SELECT chr(CAST(65 + i AS INTEGER)) AS letter FROM range($indicators_per_domain) AS r(i))
WHERE d.domain_id <> 'sport_results';
