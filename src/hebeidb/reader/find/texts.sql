{#- The sentences of the stored texts closest to the search, for a search no fact answers: the
    texts (of document sources) that hold the most of the search's weight, their bodies cut into
    sentences with their offsets in the stored text, each sentence scored by the idf of the terms
    it holds. One row: the best sentences as a list. -#}
{% from "match.sql" import holds %}
WITH texts AS MATERIALIZED (
    SELECT t.source_id, t.text, s.body_start, s.body_end,
           [{% for t in terms %}{{ holds("t.text", t) }}{{ ", " if not loop.last }}{% endfor %}] AS present
    FROM core.source_texts AS t
    JOIN core.sources AS s USING (source_id)
),
best_texts AS (
    SELECT source_id, body_start,
           substring(text, body_start + 1, body_end - body_start) AS body,
           list_sum(list_transform(list_zip(present, $idf), lambda x: CASE WHEN x[1] THEN x[2] ELSE 0 END)) AS score
    FROM texts
    WHERE list_contains(present, true)
    ORDER BY score DESC, source_id
    LIMIT $texts
),
pieces AS (
    -- The text between two sentence ends, and the ends themselves: their lengths give the offsets.
    SELECT source_id, body_start,
           string_split_regex(body, $sentence_end) AS parts,
           regexp_extract_all(body, $sentence_end) AS ends
    FROM best_texts
),
sentences AS (
    SELECT source_id, piece,
           body_start + coalesce(sum(length(parts[i]) + length(coalesce(ends[i], ''))) OVER (
               PARTITION BY source_id ORDER BY i ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING), 0) AS piece_start
    FROM (SELECT p.*, i, p.parts[i] || rtrim(coalesce(p.ends[i], ''), $blanks) AS piece
          FROM pieces AS p, generate_series(1, len(p.parts)) AS g(i))
),
trimmed AS (
    SELECT source_id,
           CAST(piece_start + length(piece) - length(ltrim(piece, $blanks)) AS INTEGER) AS start,
           trim(piece, $blanks) AS sentence
    FROM sentences
),
held AS (
    SELECT source_id, start, CAST(start + length(sentence) AS INTEGER) AS "end", sentence,
           [{% for t in terms %}{{ holds("sentence", t) }}{{ ", " if not loop.last }}{% endfor %}] AS hits
    FROM trimmed
    WHERE sentence <> ''
),
scored AS (
    SELECT *, list_sum(list_transform(list_zip(hits, $idf), lambda x: CASE WHEN x[1] THEN x[2] ELSE 0 END)) AS score
    FROM held
)
SELECT (SELECT list({'source_id': source_id, 'start': start, 'end': "end", 'sentence': sentence, 'score': score,
                     'hits': hits}
                    ORDER BY score DESC, source_id, start)
          FROM (SELECT * FROM scored WHERE score > 0 ORDER BY score DESC, source_id, start LIMIT $sentences))
           AS sentences
