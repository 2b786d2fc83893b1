{#- The record's own words (core.search_words, which the build cuts from every text and name of the
    record) near the words of a search that no fact and no name holds: for each such word, every
    word of the record that starts with its stem (the word is the record's, in a text only), that
    is within its edit distance (Damerau-Levenshtein: a misspelling) or that shares enough of its
    first letters (another form of it), with how often it occurs. -#}
WITH searched AS (
    SELECT unnest(CAST($unknown_terms AS INTEGER[])) AS term, unnest(CAST($unknown_words AS VARCHAR[])) AS word,
           unnest(CAST($unknown_stems AS VARCHAR[])) AS stem, unnest(CAST($max_distances AS INTEGER[])) AS max_distance,
           unnest(CAST($min_shared AS INTEGER[])) AS min_shared
),
near AS (
    SELECT s.term, w.word, w.occurrences, starts_with(w.word, s.stem) AS holds,
           damerau_levenshtein(s.word, w.word) AS distance,
           len(list_filter(range(1, least(length(s.stem), length(w.word)) + 1),
                           lambda k: left(s.stem, k) = left(w.word, k))) AS shared
    FROM searched AS s
    JOIN core.search_words AS w
      ON starts_with(w.word, left(s.stem, s.min_shared))
      OR abs(length(w.word) - length(s.word)) <= s.max_distance
)
SELECT n.term, n.word, n.occurrences, n.holds, n.distance, n.shared
FROM near AS n
JOIN searched AS s USING (term)
WHERE n.holds OR n.distance <= s.max_distance OR n.shared >= s.min_shared
ORDER BY n.term, n.holds DESC, n.distance, n.occurrences DESC, n.word
