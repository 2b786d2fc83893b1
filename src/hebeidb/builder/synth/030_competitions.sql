-- $competitions competitions, cycling through $kinds, each with a medal table row for every region and
-- the national delegation's totals (the sum of the regions').
CREATE TABLE competitions AS
SELECT c AS idx,
       'games_' || c AS competition_id,
       'Synthetic ' || replace(($kinds)[1 + c % len($kinds)], '_', ' ') || ' '
           || chr(CAST(65 + c // 26 AS INTEGER)) || chr(CAST(65 + c % 26 AS INTEGER)) AS name_en,
       ($kinds)[1 + c % len($kinds)] AS kind,
       1 + c // len($kinds) AS edition,
       make_date($first_year + CAST((c // len($kinds)) % $years AS INTEGER),
                 CAST(2 + 3 * (c % len($kinds)) AS INTEGER), 1) AS start_date
FROM range($competitions) AS r(c);

CREATE TABLE medals AS
WITH delegations AS (
    SELECT c.*, r.region_id, r.name_en AS region_name, r.idx AS region_idx
    FROM competitions AS c, regions AS r
)
SELECT d.competition_id, d.region_id, d.region_idx, year(d.start_date) AS year, d.name_en AS games,
       d.region_name, m.medal, 'per_athlete' AS counting_basis,
       CAST(hash(d.competition_id, d.region_id, m.medal, $seed) % 40 AS DECIMAL(18, 2)) AS value
FROM delegations AS d, (SELECT unnest(['gold', 'silver', 'bronze']) AS medal) AS m;

CREATE TABLE national AS
SELECT competition_id, medal, CAST(sum(value) AS DECIMAL(18, 2)) AS value
FROM medals GROUP BY competition_id, medal;
