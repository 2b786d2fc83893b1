WITH written AS (
    SELECT ft.fact_id, ft.token,
           regexp_extract(lower(ft.token), '^([\d,]+)(?:\.(\d+))?(?:\s+([a-z]+))?$', ['whole', 'decimals', 'scale'])
               AS parts,
           nt.written_as
    FROM core.fact_tokens AS ft
    JOIN core.number_tokens AS nt USING (source_id, token_start)
),
places AS (
    SELECT w.fact_id, w.token, w.written_as,
           CASE WHEN w.written_as <> 'digits' THEN 1
                ELSE power(10, -length(w.parts.decimals)) * coalesce(s.value, 1) END AS written_place,
           w.written_as = 'digits' AND (s.value IS NOT NULL OR (w.parts.decimals = '' AND regexp_matches(
               replace(w.parts.whole, ',', ''), '[1-9]0{3,}$'))) AS is_round
    FROM written AS w
    LEFT JOIN core.number_words AS s ON s.kind = 'scale' AND s.word = w.parts.scale
),
facts AS (
    SELECT f.fact_id, f.value, f.precision, f.qualifier, f.rounding, f.aggregation, p.token, p.written_place,
           p.is_round, p.written_as, i.unit_id,
           CASE WHEN f.value <> 0 AND f.value = trunc(f.value)
                THEN power(10, length(CAST(CAST(f.value AS HUGEINT) AS VARCHAR))
                               - length(rtrim(CAST(CAST(f.value AS HUGEINT) AS VARCHAR), '0'))) END AS round_place
    FROM core.facts AS f
    JOIN core.indicators AS i USING (indicator_id)
    JOIN places AS p USING (fact_id)
)
SELECT 'facts' AS table_name,
       fact_id AS row_key,
       'precision' AS column_name,
       CAST(precision AS VARCHAR) AS value,
       'at least ' || CAST(written_place AS VARCHAR) || ', the place of the last digit written in "' || token || '"'
           AS expected,
       'precision is finer than the digits the source writes' AS problem
FROM facts
WHERE precision < written_place
UNION ALL
SELECT 'facts', fact_id, 'precision', CAST(precision AS VARCHAR),
       CAST(round_place AS VARCHAR) || ', the place of the last non-zero digit of the round figure "' || token || '"',
       'a round figure is stated to its last non-zero digit'
FROM facts
WHERE is_round AND aggregation <> 'criterion' AND precision <> round_place
UNION ALL
SELECT 'facts', fact_id, 'rounding', rounding,
       'nearest (or down where the source cuts): "' || token || '" is a round figure, not a count stated in full',
       'a round figure without a qualifier is stated as exact'
FROM facts
WHERE is_round AND aggregation <> 'criterion' AND qualifier = 'exact' AND rounding = 'none'
UNION ALL
SELECT 'facts', fact_id, 'rounding', rounding,
       'nearest_or_down: "' || token || '" is a percentage, a ratio rounded or cut to the digits written',
       'a percentage without a qualifier is stated as exact'
FROM facts
WHERE written_as = 'digits' AND unit_id = 'percent' AND qualifier = 'exact' AND rounding = 'none'
  AND value NOT IN (0, 100)
UNION ALL
SELECT 'facts', f.fact_id, 'precision', CAST(f.precision AS VARCHAR),
       'at least ' || CAST(u.step AS VARCHAR) || ', the step of ' || u.label,
       'precision is finer than the unit''s step'
FROM core.facts AS f
JOIN core.indicators AS i USING (indicator_id)
JOIN core.units AS u USING (unit_id)
WHERE f.precision < u.step
UNION ALL
-- Rounded to the nearest or cut is a claim about the source's convention: only a cross-check
-- against other claims that the one reading passes and the other fails can show it ("55%" for 10
-- of 18 gold, 55.6%, is cut: [55, 56) holds it, [54.5, 55.5) does not).
SELECT 'facts', f.fact_id, 'rounding', f.rounding,
       'nearest_or_down (the source''s convention is unknown: the union of both readings), or a cross-check against '
           || 'other claims that ' || f.rounding || ' passes and the other reading fails',
       'a single reading of rounding with nothing to show it'
FROM core.facts AS f
WHERE f.rounding IN ('nearest', 'down')
  AND NOT EXISTS (
      SELECT 1
      FROM core.cross_checks AS c
      WHERE c.fact_id = f.fact_id AND c.check_scope = 'between_claims' AND c.computed_value IS NOT NULL
        AND (c.computed_value >= f.value - f.precision / 2 AND c.computed_value < f.value + f.precision / 2)
            = (f.rounding = 'nearest')
        AND (c.computed_value >= f.value AND c.computed_value < f.value + f.precision)
            = (f.rounding = 'down'))
