-- Plain facts: $plain of them, each one sentence placed in the bulletin of a region, year and domain.
-- Everything follows from hash(n, $seed): the same seed gives the same facts.
CREATE TABLE plain AS
WITH raw AS (
    SELECT n, hash(n, $seed) AS h FROM range($plain) AS r(n)
)
SELECT n,
       CAST(h % $n_regions AS INTEGER) AS region_idx,
       $first_year + CAST((h // $n_regions) % $years AS INTEGER) AS year,
       CAST((h // ($n_regions * $years)) % (SELECT count(*) FROM indicators) AS INTEGER) AS indicator_idx,
       CAST((h // 100000) % 10 AS INTEGER) AS qualifier_pick,
       (h // 1000000) % 5 = 0 AS is_cumulative,
       h // 10000000 AS amount
FROM raw;

CREATE TABLE plain_sentences AS
SELECT p.n, r.region_id, p.year, i.indicator_id, i.unit_id, i.domain_id,
       CASE WHEN i.unit_id = 'percent' THEN CAST((1 + p.amount % 998) / 10 AS DECIMAL(18, 2))
            ELSE CAST(1 + p.amount % 999999 AS DECIMAL(18, 2)) END AS value,
       CASE p.qualifier_pick WHEN 6 THEN 'over' WHEN 7 THEN 'nearly' WHEN 8 THEN 'at_least'
                             WHEN 9 THEN 'above' ELSE 'exact' END AS qualifier,
       p.is_cumulative AND i.unit_id <> 'percent' AS is_cumulative,
       'The figure for ' || i.label_en || ' in ' || r.name_en || ' was ' AS lead,
       p.region_idx,
       p.indicator_idx
FROM plain AS p
JOIN regions AS r ON r.idx = p.region_idx
JOIN indicators AS i ON i.idx = p.indicator_idx;
