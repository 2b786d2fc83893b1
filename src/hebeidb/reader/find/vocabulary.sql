{#- The record's own words closest to the words of a search that nothing in the record holds:
    every word of the labels, names, descriptions and titles of the small tables and of the stored
    texts, with how often it occurs, its edit distance (Damerau-Levenshtein) to the search's word
    and how many first letters it shares with the word's stem. Long texts are cut at spaces first
    (cheap), and only the distinct pieces are cleaned into words. -#}
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
    SELECT text FROM core.source_texts
),
pieces AS (
    SELECT piece, count(*) AS n
    FROM (SELECT unnest(string_split(replace(replace(replace(text, chr(10), ' '), chr(13), ' '), chr(9), ' '), ' '))
              AS piece FROM texts)
    WHERE piece <> '' AND NOT (ascii(piece) BETWEEN 48 AND 57)  -- numbers are never misspelt words
    GROUP BY piece
),
words AS (
    SELECT word, sum(n) AS n
    FROM (SELECT unnest(regexp_extract_all(lower(piece), '[a-z]+')) AS word, n FROM pieces)
    WHERE length(word) >= 3
    GROUP BY word
),
searched AS (
    SELECT unnest($unknown_terms) AS term, unnest($unknown_words) AS word, unnest($unknown_stems) AS stem,
           unnest($max_distances) AS max_distance, unnest($min_shared) AS min_shared
)
SELECT s.term, w.word, w.n, damerau_levenshtein(s.word, w.word) AS distance,
       len(list_filter(range(1, least(length(s.stem), length(w.word)) + 1),
                       lambda k: left(s.stem, k) = left(w.word, k))) AS shared
FROM searched AS s, words AS w
WHERE damerau_levenshtein(s.word, w.word) <= s.max_distance OR starts_with(w.word, left(s.stem, s.min_shared))
ORDER BY s.term, distance, w.n DESC, w.word
