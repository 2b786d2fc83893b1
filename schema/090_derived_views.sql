-- Views computed from the base tables. The checks, the reports and the public views read them;
-- nothing here is typed in by hand.

-- A number as people write it, without the zeros a DECIMAL prints after the point: 96700.00 is
-- "96700", 97.50 is "97.5". Used for intervals in the public views and the cross-checks.
CREATE MACRO core.number_text(x) AS
    CASE WHEN x IS NULL THEN NULL
         WHEN x = trunc(x) THEN CAST(CAST(x AS HUGEINT) AS VARCHAR)
         ELSE rtrim(CAST(x AS VARCHAR), '0') END;

-- The interval a fact's stated figure implies, in interval notation with plain numbers:
-- "(96700, 96800]", "[55, 56)", "(1300000, +inf)".
CREATE MACRO core.interval_text(low, low_inclusive, high, high_inclusive) AS
    CASE WHEN low_inclusive THEN '[' ELSE '(' END || coalesce(core.number_text(low), '-inf') || ', '
    || coalesce(core.number_text(high), '+inf') || CASE WHEN high_inclusive THEN ']' ELSE ')' END;

-- A stated value as people read it: the unit's prefix, the symbol of the rule's comparison (for a
-- criterion) or of the qualifier (none for an exact figure), the number with thousands separators
-- and the unit's suffix: "> 1,300,000 persons", "97.5%", "rank 2". The facts view shows it; search
-- shows the facts it finds with it.
CREATE MACRO core.value_text(value, qualifier, qualifier_symbol, comparison_symbol, prefix, suffix, suffix_one) AS
    coalesce(prefix, '')
    || CASE WHEN comparison_symbol IS NOT NULL THEN comparison_symbol || ' '
            WHEN qualifier = 'exact' THEN '' ELSE qualifier_symbol || ' ' END
    || CASE WHEN value = round(value) THEN format('{:,}', CAST(value AS BIGINT))
            ELSE format('{:,}', CAST(value AS DOUBLE)) END
    || coalesce(CASE WHEN value = 1 THEN suffix_one ELSE suffix END, '');

-- The pattern of every number written in a text, in digits ("96,700", "1.3 million", "12th") or in
-- words ("nine", "Thirty-one", "second"). It is built from core.number_words, so teaching the
-- checks a new word is a seed change.
CREATE VIEW core.number_pattern AS
SELECT '(?i)\d+(?:st|nd|rd|th)\b'
    || '|\d+(?:,\d{3})*(?:\.\d+)?(?:\s+(?:'
    || (SELECT string_agg(word, '|' ORDER BY word) FROM core.number_words WHERE kind = 'scale')
    || '))?'
    || '|\b(?:'
    || (SELECT string_agg(word, '|' ORDER BY length(word) DESC, word) FROM core.number_words)
    || ')(?:-(?:'
    || (SELECT string_agg(word, '|' ORDER BY word) FROM core.number_words
        WHERE kind = 'cardinal' AND value BETWEEN 1 AND 9)
    || '))?\b' AS regex;
COMMENT ON VIEW core.number_pattern IS 'The regular expression that finds numbers in the stored texts, built from core.number_words.';

-- (Filled into core.number_tokens by the build.) Every number of every stored text with its
-- character offsets and value. The pattern is read from the variable hebeidb_number_pattern, which
-- the build sets from core.number_pattern: a constant pattern is compiled once, not once per text.
-- To run this view yourself: SET VARIABLE hebeidb_number_pattern = (SELECT regex FROM core.number_pattern);
CREATE VIEW core.number_tokens_scan AS
WITH split AS (
    SELECT t.source_id,
           string_split_regex(t.text, getvariable('hebeidb_number_pattern')) AS gaps,
           regexp_extract_all(t.text, getvariable('hebeidb_number_pattern')) AS tokens
    FROM core.source_texts AS t
),
numbered AS (
    -- Only the lengths of the text between numbers go on, not the pieces themselves, so that the
    -- running sums below hold integers rather than a second copy of every text.
    SELECT source_id, token_index, tokens[token_index] AS token, length(gaps[token_index]) AS gap_length
    FROM split, generate_series(1, len(tokens)) AS g(token_index)
),
positioned AS (
    SELECT source_id, token_index, token,
           CAST(sum(gap_length) OVER running
                + coalesce(sum(length(token)) OVER (running ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING), 0)
                AS INTEGER) AS token_start
    FROM numbered
    WINDOW running AS (PARTITION BY source_id ORDER BY token_index)
),
parsed AS (
    SELECT p.*,
           CAST(p.token_start + length(p.token) AS INTEGER) AS token_end,
           lower(p.token) AS lowered,
           regexp_matches(p.token, '^\d') AS is_digits,
           regexp_matches(lower(p.token), '^\d+(st|nd|rd|th)$') AS is_ordinal_digits
    FROM positioned AS p
)
SELECT p.source_id,
       p.token_index,
       p.token,
       p.token_start,
       p.token_end,
       p.token_start >= s.body_start AND p.token_end <= s.body_end AS in_body,
       CASE
           WHEN p.is_ordinal_digits THEN TRY_CAST(regexp_extract(p.token, '^\d+') AS DECIMAL(18, 2))
           WHEN p.is_digits THEN
               TRY_CAST(replace(regexp_extract(p.token, '^[\d,.]+'), ',', '') AS DECIMAL(18, 2))
               * coalesce(scale.value, 1)
           WHEN p.lowered LIKE '%-%' THEN tens.value + units.value
           ELSE word.value
       END AS value,
       CASE
           WHEN p.is_ordinal_digits THEN 'ordinal'
           WHEN p.is_digits THEN 'digits'
           ELSE coalesce(word.kind, tens.kind)
       END AS written_as
FROM parsed AS p
JOIN core.sources AS s USING (source_id)
LEFT JOIN core.number_words AS scale
       ON p.is_digits AND scale.kind = 'scale' AND scale.word = regexp_extract(p.lowered, '([a-z]+)$', 1)
LEFT JOIN core.number_words AS word
       ON NOT p.is_digits AND word.word = p.lowered
LEFT JOIN core.number_words AS tens
       ON NOT p.is_digits AND p.lowered LIKE '%-%' AND tens.word = split_part(p.lowered, '-', 1)
LEFT JOIN core.number_words AS units
       ON NOT p.is_digits AND p.lowered LIKE '%-%' AND units.word = split_part(p.lowered, '-', 2);
COMMENT ON VIEW core.number_tokens_scan IS 'Tokenises the stored texts; the build copies it into core.number_tokens.';

-- (Filled into core.fact_tokens by the build.) Which token of its quote each document fact rests on: a number inside the quote span whose value
-- equals the fact's value and that no exclusion sets aside (the "first" of "for the first time" is a milestone,
-- not the rank 1 that "topping" states). A fact without one fails the provenance check.
CREATE VIEW core.fact_tokens_scan AS
SELECT f.fact_id, t.source_id, t.token, t.token_start, t.token_end, t.value
FROM core.facts AS f
JOIN core.number_tokens AS t
  ON t.source_id = f.source_id
 AND t.token_start >= f.quote_start
 AND t.token_end <= f.quote_end
 AND t.value = f.value
WHERE NOT EXISTS (SELECT 1 FROM core.exclusions AS e
                  WHERE e.source_id = t.source_id AND e.token_start = t.token_start AND e.token_end = t.token_end);
COMMENT ON VIEW core.fact_tokens_scan IS 'Matches facts to the numbers of their quotes; the build copies it into core.fact_tokens.';

-- (Filled into core.text_words by the build.) The words of the stored texts (which hold every quote). A long
-- text is cut at blanks first (cheap), numbers are left out there, and only the distinct pieces are
-- cleaned into words: at a million facts this reads the texts once, not once per search.
CREATE VIEW core.text_words_scan AS
WITH pieces AS (
    SELECT piece, count(*) AS n
    FROM (SELECT unnest(string_split(replace(replace(replace(text, chr(10), ' '), chr(13), ' '), chr(9), ' '), ' '))
                     AS piece
          FROM core.source_texts)
    WHERE piece <> '' AND NOT (ascii(piece) BETWEEN 48 AND 57)
    GROUP BY piece
)
SELECT word, CAST(sum(n) AS BIGINT) AS occurrences
FROM (SELECT unnest(regexp_extract_all(lower(piece), '[a-z]+')) AS word, n FROM pieces)
WHERE length(word) >= 3
GROUP BY word;
COMMENT ON VIEW core.text_words_scan IS 'Cuts the stored texts into words; the build copies it into core.text_words.';

-- (Filled into core.search_words by the build.) The words of every text a search reads: the small
-- tables' labels, names, descriptions and titles, the facts' notes and the exclusions' reasons, cut as
-- core.text_words cuts the stored texts, and the stored texts' words from core.text_words (counts add up
-- text by text: the sum is what cutting all of them at once gives).
CREATE VIEW core.search_words_scan AS
WITH texts(text) AS (
    SELECT concat_ws(' ', label_en, population, replace(indicator_id, '_', ' '), description) FROM core.indicators
    UNION ALL
    SELECT concat_ws(' ', label, replace(unit_id, '_', ' '), description) FROM core.units
    UNION ALL
    SELECT concat_ws(' ', name_en, replace(domain_id, '_', ' '), description) FROM core.domains
    UNION ALL
    SELECT concat_ws(' ', name_en, replace(programme_id, '_', ' '), description) FROM core.programmes
    UNION ALL
    SELECT concat_ws(' ', name_en, official_name_en, replace(kind, '_', ' '), joint_event) FROM core.competitions
    UNION ALL
    SELECT concat_ws(' ', name_en, replace(region_id, '_', ' ')) FROM core.regions
    UNION ALL
    SELECT concat_ws(' ', title, publisher) FROM core.sources
    UNION ALL
    SELECT note FROM core.facts WHERE note IS NOT NULL
    UNION ALL
    SELECT reason FROM core.exclusions
),
pieces AS (
    SELECT piece, count(*) AS n
    FROM (SELECT unnest(string_split(replace(replace(replace(text, chr(10), ' '), chr(13), ' '), chr(9), ' '), ' '))
                     AS piece
          FROM texts)
    WHERE piece <> '' AND NOT (ascii(piece) BETWEEN 48 AND 57)
    GROUP BY piece
),
words AS (
    SELECT word, n
    FROM (SELECT unnest(regexp_extract_all(lower(piece), '[a-z]+')) AS word, n FROM pieces)
    WHERE length(word) >= 3
    UNION ALL
    SELECT word, occurrences FROM core.text_words
)
SELECT word, CAST(sum(n) AS BIGINT) AS occurrences
FROM words
GROUP BY word;
COMMENT ON VIEW core.search_words_scan IS 'Cuts every text of the record but the stored texts into words, and adds the stored texts'' words (core.text_words); the build copies it into core.search_words.';

-- Every number in a document body and what accounts for it.
CREATE VIEW core.number_coverage AS
WITH captured AS (
    SELECT source_id, token_start, string_agg(fact_id, ',' ORDER BY fact_id) AS fact_ids
    FROM core.fact_tokens
    GROUP BY source_id, token_start
)
SELECT t.source_id, t.token_index, t.token, t.token_start, t.token_end, t.value,
       c.fact_ids,
       e.exclusion_id,
       e.reason_kind,
       e.reason,
       CASE
           WHEN c.fact_ids IS NOT NULL THEN 'fact'
           WHEN e.exclusion_id IS NOT NULL THEN 'excluded'
           ELSE 'uncovered'
       END AS status
FROM core.number_tokens AS t
LEFT JOIN captured AS c
       ON c.source_id = t.source_id AND c.token_start = t.token_start
LEFT JOIN core.exclusions AS e
       ON e.source_id = t.source_id AND e.token_start = t.token_start AND e.token_end = t.token_end
WHERE t.in_body;
COMMENT ON VIEW core.number_coverage IS 'Every number in the body of a document source, with the facts that capture it or the exclusion that explains it.';

-- Medal tables pivoted from the facts: one row per delegation at a competition. A figure stated by
-- several sources (the article's inferred rank and the report that states it) counts once: the
-- agreement cross-check makes them equal, and it rests on an inference only when every statement
-- of it does. Shares stated beside a tally are kept apart from its figures.
CREATE VIEW core.tally_figures AS
WITH figures AS (
    SELECT f.competition_id,
           f.region_id,
           CASE WHEN i.measure_kind = 'share' THEN 'share_' ELSE '' END || i.tally_column AS figure,
           max(f.value) AS value,
           bool_and(f.is_inferred) AS is_inferred
    FROM core.facts AS f
    JOIN core.indicators AS i ON i.indicator_id = f.indicator_id AND i.tally_column IS NOT NULL
    WHERE f.competition_id IS NOT NULL AND f.region_id IS NOT NULL
    GROUP BY ALL
)
SELECT d.competition_id,
       d.region_id,
       max(g.value) FILTER (WHERE g.figure = 'gold') AS gold,
       max(g.value) FILTER (WHERE g.figure = 'silver') AS silver,
       max(g.value) FILTER (WHERE g.figure = 'bronze') AS bronze,
       max(g.value) FILTER (WHERE g.figure = 'total') AS stated_total,
       max(g.value) FILTER (WHERE g.figure = 'world_records') AS world_records,
       max(g.value) FILTER (WHERE g.figure = 'rank_gold') AS rank_gold,
       max(g.value) FILTER (WHERE g.figure = 'rank_total') AS rank_total,
       max(g.value) FILTER (WHERE g.figure = 'athletes') AS athletes,
       max(g.value) FILTER (WHERE g.figure = 'sports') AS sports,
       max(g.value) FILTER (WHERE g.figure = 'events') AS events,
       coalesce(bool_or(g.is_inferred) FILTER (WHERE g.figure NOT LIKE 'share_%'), false) AS is_inferred,
       max(g.value) FILTER (WHERE g.figure = 'share_gold') AS stated_share_of_gold,
       max(g.value) FILTER (WHERE g.figure = 'share_total') AS stated_share_of_total
FROM core.delegations AS d
LEFT JOIN figures AS g USING (competition_id, region_id)
GROUP BY d.competition_id, d.region_id;
COMMENT ON VIEW core.tally_figures IS 'Each delegation''s medal-table figures gathered from its facts, and the shares of the delegation it is part of that sources state.';

-- Every cross-check of a figure. Between claims: medal sums, stated shares against the tallies of
-- the delegation they are shares of, parts against wholes, repeated figures against their first
-- statement, the same figure stated by two sources against each other. Within a fact: its value
-- against the interval its own qualifier, precision and rounding imply (check_scope tells them apart).
CREATE VIEW core.cross_checks AS
WITH sums AS (
    SELECT 'medal_sum:' || t.competition_id || ':' || t.region_id AS check_id,
           'medal_sum' AS check_kind,
           f.fact_id AS fact_id,
           t.stated_total AS stated_value,
           t.gold + t.silver + t.bronze AS computed_value,
           CAST(0 AS DECIMAL(18, 2)) AS tolerance,
           'stated total of ' || t.region_id || ' at ' || t.competition_id || ' against gold + silver + bronze'
               AS description
    FROM core.tally_figures AS t
    JOIN core.facts AS f ON f.competition_id = t.competition_id AND f.region_id = t.region_id
    JOIN core.indicators AS i ON i.indicator_id = f.indicator_id AND i.tally_column = 'total'
                              AND i.measure_kind <> 'share'
    -- One check per tally, against the first statement of its total that rests on no inference.
    QUALIFY row_number() OVER (PARTITION BY t.competition_id, t.region_id ORDER BY f.is_inferred, f.fact_id) = 1
),
shares AS (
    -- A stated share is tested against the interval the stated figure means ([55, 56) for a "55%"
    -- cut from 55.6%), not against a symmetric tolerance.
    SELECT 'share:' || f.fact_id AS check_id,
           'share' AS check_kind,
           f.fact_id,
           f.value AS stated_value,
           CAST(round(100 * CASE i.tally_column
                    WHEN 'gold' THEN part.gold
                    WHEN 'silver' THEN part.silver
                    WHEN 'bronze' THEN part.bronze
                    ELSE coalesce(part.stated_total, part.gold + part.silver + part.bronze) END
                / CASE i.tally_column
                    WHEN 'gold' THEN whole.gold
                    WHEN 'silver' THEN whole.silver
                    WHEN 'bronze' THEN whole.bronze
                    ELSE coalesce(whole.stated_total, whole.gold + whole.silver + whole.bronze) END, 2)
                AS DECIMAL(18, 2)) AS computed_value,
           CAST(NULL AS DECIMAL(18, 2)) AS tolerance,
           f.value_low, f.low_inclusive, f.value_high, f.high_inclusive,
           f.region_id || '''s share of ' || nat.region_id || '''s ' || i.tally_column || ' at ' || f.competition_id
               || ' as ' || f.source_id || ' states it, computed from the medal tables and tested against the interval '
               || core.interval_text(f.value_low, f.low_inclusive, f.value_high, f.high_inclusive)
               || ' the stated figure means; counting basis of ' || f.region_id || ' '
               || replace(coalesce(own.counting_basis, 'unknown'), '_', ' ')
               || CASE own.counting_basis_status WHEN 'unknown' THEN '' ELSE ' (' || own.counting_basis_status || ')' END
               || ', of ' || nat.region_id || ' ' || replace(nat.counting_basis, '_', ' ')
               || CASE nat.counting_basis_status WHEN 'unknown' THEN '' ELSE ' (' || nat.counting_basis_status || ')' END
               || CASE WHEN own.counting_basis_status = 'unknown' OR nat.counting_basis_status = 'unknown'
                            OR own.counting_basis <> nat.counting_basis
                       THEN ': the share is exact only if both count a team medal the same way' ELSE '' END
               AS description
    FROM core.facts AS f
    JOIN core.indicators AS i ON i.indicator_id = f.indicator_id AND i.measure_kind = 'share'
    LEFT JOIN core.tally_figures AS part
           ON part.competition_id = f.competition_id AND part.region_id = f.region_id
    LEFT JOIN core.delegations AS own
           ON own.competition_id = f.competition_id AND own.region_id = f.region_id
    LEFT JOIN core.delegations AS nat
           ON nat.competition_id = f.competition_id AND nat.region_id = own.part_of_region_id
    LEFT JOIN core.tally_figures AS whole
           ON whole.competition_id = nat.competition_id AND whole.region_id = nat.region_id
),
parts AS (
    SELECT 'part_of_whole:' || f.fact_id || ':' || w.fact_id AS check_id,
           'part_of_whole' AS check_kind,
           f.fact_id,
           f.value AS stated_value,
           w.value AS computed_value,
           CAST(0 AS DECIMAL(18, 2)) AS tolerance,
           f.indicator_id || ' of ' || coalesce(f.region_id, 'the games as a whole') || ' must not exceed '
               || w.indicator_id || ' of ' || coalesce(w.region_id, 'the games as a whole') || ' at '
               || f.competition_id AS description
    FROM core.facts AS f
    JOIN core.indicators AS i ON i.indicator_id = f.indicator_id AND i.part_of_indicator_id IS NOT NULL
    JOIN core.facts AS w ON w.indicator_id = i.part_of_indicator_id
                        AND w.competition_id IS NOT DISTINCT FROM f.competition_id
),
repeats AS (
    SELECT 'repeat:' || e.exclusion_id AS check_id,
           'repeat' AS check_kind,
           e.fact_id,
           t.value AS stated_value,
           f.value AS computed_value,
           CAST(0 AS DECIMAL(18, 2)) AS tolerance,
           '"' || e.token || '" at offset ' || e.token_start || ' repeats fact ' || e.fact_id AS description
    FROM core.exclusions AS e
    JOIN core.facts AS f ON f.fact_id = e.fact_id
    LEFT JOIN core.number_tokens AS t
           ON t.source_id = e.source_id AND t.token_start = e.token_start AND t.token_end = e.token_end
    WHERE e.reason_kind = 'repeat'
),
restated_figures AS (
    -- The same figure (indicator, region, competition, programme and period) stated by more than
    -- one source.
    SELECT indicator_id, region_id, competition_id, programme_id, period_start, period_end
    FROM core.facts
    GROUP BY ALL
    HAVING count(DISTINCT source_id) > 1
),
restated AS (
    -- Each statement against the first one that rests on no inference (first_value over an ordered window:
    -- an aggregate with its own ORDER BY over a window is a construct DuckDB 1.1 cannot read from the file).
    SELECT f.*,
           first_value(f.fact_id) OVER first_in AS first_fact_id,
           first_value(f.value) OVER first_in AS first_value,
           first_value(f.source_id) OVER first_in AS first_source_id,
           count(*) OVER same AS statements
    FROM core.facts AS f
    JOIN restated_figures AS g
      ON g.indicator_id = f.indicator_id AND g.region_id IS NOT DISTINCT FROM f.region_id
     AND g.competition_id IS NOT DISTINCT FROM f.competition_id AND g.programme_id IS NOT DISTINCT FROM f.programme_id
     AND g.period_start IS NOT DISTINCT FROM f.period_start AND g.period_end = f.period_end
    WINDOW same AS (PARTITION BY f.indicator_id, f.region_id, f.competition_id, f.programme_id, f.period_start,
                                 f.period_end),
           first_in AS (same ORDER BY f.is_inferred, f.fact_id)
),
agreements AS (
    SELECT 'agreement:' || r.fact_id || ':' || r.first_fact_id AS check_id,
           'agreement' AS check_kind,
           r.fact_id,
           r.value AS stated_value,
           r.first_value AS computed_value,
           CAST(0 AS DECIMAL(18, 2)) AS tolerance,
           r.fact_id || ' (' || r.source_id || ') states the same figure as ' || r.first_fact_id || ': '
               || r.indicator_id || coalesce(' of ' || r.region_id, '') || coalesce(' at ' || r.competition_id, '')
               AS description
    FROM restated AS r
    WHERE r.statements > 1 AND r.source_id <> r.first_source_id
),
intervals AS (
    SELECT 'interval:' || f.fact_id AS check_id,
           'interval' AS check_kind,
           f.fact_id,
           f.value AS stated_value,
           f.value AS computed_value,
           CAST(0 AS DECIMAL(18, 2)) AS tolerance,
           f.value_low, f.low_inclusive, f.value_high, f.high_inclusive,
           'value at or within the interval its qualifier, precision and rounding imply: '
               || core.interval_text(f.value_low, f.low_inclusive, f.value_high, f.high_inclusive) AS description,
           (f.value_low IS NULL OR f.value >= f.value_low)
           AND (f.value_high IS NULL OR f.value <= f.value_high)
           AND (f.value_low IS NULL OR f.value_high IS NULL OR f.value_low < f.value_high
                OR (f.low_inclusive AND f.high_inclusive))
               AS holds
    FROM core.facts AS f
),
numeric_checks AS (
    SELECT *, stated_value = computed_value AS holds FROM sums
    UNION ALL BY NAME
    SELECT *, (value_low IS NULL OR computed_value > value_low OR (low_inclusive AND computed_value = value_low))
              AND (value_high IS NULL OR computed_value < value_high
                   OR (high_inclusive AND computed_value = value_high)) AS holds
    FROM shares
    UNION ALL BY NAME
    SELECT *, stated_value <= computed_value AS holds FROM parts
    UNION ALL BY NAME
    SELECT *, stated_value = computed_value AS holds FROM repeats
    UNION ALL BY NAME
    SELECT *, stated_value = computed_value AS holds FROM agreements
    UNION ALL BY NAME
    SELECT * FROM intervals
)
SELECT n.check_id,
       n.check_kind,
       n.fact_id,
       CAST(n.stated_value AS DECIMAL(18, 2)) AS stated_value,
       CAST(n.computed_value AS DECIMAL(18, 2)) AS computed_value,
       CAST(n.tolerance AS DECIMAL(18, 2)) AS tolerance,
       CASE WHEN coalesce(n.holds, false) THEN 'pass' ELSE 'fail' END AS verdict,
       n.description,
       CASE WHEN n.check_kind IN ('share', 'interval')
            THEN core.interval_text(n.value_low, n.low_inclusive, n.value_high, n.high_inclusive) END AS stated_interval,
       CASE WHEN f.is_inferred THEN f.note END AS inference,
       i.unit_id AS unit,
       CASE WHEN n.check_kind = 'interval' THEN 'within_fact' ELSE 'between_claims' END AS check_scope
FROM numeric_checks AS n
LEFT JOIN core.facts AS f ON f.fact_id = n.fact_id
LEFT JOIN core.indicators AS i ON i.indicator_id = f.indicator_id;
COMMENT ON VIEW core.cross_checks IS 'Every cross-check of a figure, between claims or within a fact (check_scope), with stated value, computed value, tolerance and verdict.';
