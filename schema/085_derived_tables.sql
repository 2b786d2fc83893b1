-- Tables the build derives from the stored texts, not typed in: each is filled from the view of
-- the same name with the suffix _scan (schema/090_derived_views.sql), once the texts are loaded.
-- Materialising them lets every check and query read the numbers without tokenising again.
-- They carry no key constraints: they are computed from checked rows, and index upkeep would
-- dominate the build at national scale. Their natural keys are given in the comments.

CREATE TABLE core.number_tokens (
    source_id    VARCHAR NOT NULL,
    token_index  BIGINT NOT NULL,
    token        VARCHAR NOT NULL,
    token_start  INTEGER NOT NULL,
    token_end    INTEGER NOT NULL,
    in_body      BOOLEAN NOT NULL,
    value        DECIMAL(18, 2),
    written_as   VARCHAR
);
COMMENT ON TABLE core.number_tokens IS 'Every number written in a stored document text, in digits or words, with offsets, value and whether it stands in the article body; derived by the build. One row per (source_id, token_start).';
COMMENT ON COLUMN core.number_tokens.source_id IS 'Document the number stands in.';
COMMENT ON COLUMN core.number_tokens.token_index IS 'Position of the number among the numbers of the text, from 1.';
COMMENT ON COLUMN core.number_tokens.token IS 'The number exactly as written ("96,700", "1.3 million", "Thirty-one", "12th").';
COMMENT ON COLUMN core.number_tokens.token_start IS 'Character offset (0-based) of the number in the stored text.';
COMMENT ON COLUMN core.number_tokens.token_end IS 'Character offset (exclusive) where the number ends.';
COMMENT ON COLUMN core.number_tokens.in_body IS 'True when the number stands in the article body (between sources.body_start and body_end).';
COMMENT ON COLUMN core.number_tokens.value IS 'Its value ("1.3 million" is 1300000, "second" is 2); NULL when too large to hold.';
COMMENT ON COLUMN core.number_tokens.written_as IS 'digits, ordinal (12th), cardinal (nine), ordinal word (second) or scale (million).';

CREATE TABLE core.fact_tokens (
    fact_id      VARCHAR NOT NULL,
    source_id    VARCHAR NOT NULL,
    token        VARCHAR NOT NULL,
    token_start  INTEGER NOT NULL,
    token_end    INTEGER NOT NULL,
    value        DECIMAL(18, 2) NOT NULL
);
COMMENT ON TABLE core.fact_tokens IS 'For each document fact, the numbers inside its quote that state its value; derived by the build. One row per (fact_id, token_start).';
COMMENT ON COLUMN core.fact_tokens.fact_id IS 'The fact.';
COMMENT ON COLUMN core.fact_tokens.source_id IS 'Document of the fact and the number.';
COMMENT ON COLUMN core.fact_tokens.token IS 'The number as written in the quote.';
COMMENT ON COLUMN core.fact_tokens.token_start IS 'Character offset (0-based) of the number in the stored text.';
COMMENT ON COLUMN core.fact_tokens.token_end IS 'Character offset (exclusive) where the number ends.';
COMMENT ON COLUMN core.fact_tokens.value IS 'Its value, equal to the fact''s value.';

CREATE TABLE core.text_words (
    word         VARCHAR NOT NULL,
    occurrences  BIGINT NOT NULL
);
COMMENT ON TABLE core.text_words IS 'The words of the stored texts alone, with how often each occurs, counted as core.search_words counts them; derived by the build. Kept apart from the words of the labels and names: the texts hold most of the words and change least often, so a new label counts its words again without cutting every text. One row per word.';
COMMENT ON COLUMN core.text_words.word IS 'A word of the stored texts: a run of the letters a to z, three or more, lower-cased.';
COMMENT ON COLUMN core.text_words.occurrences IS 'How often the word occurs in the stored texts.';

CREATE TABLE core.search_words (
    word         VARCHAR NOT NULL,
    occurrences  BIGINT NOT NULL
);
COMMENT ON TABLE core.search_words IS 'The record''s own words: every word of the stored texts, of the facts'' notes and the exclusions'' reasons, and of the labels, names, descriptions and titles of the small tables, lower-cased, with how often it occurs; derived by the build. Search looks up the words of a search in it first: a word it does not hold is in no text of the record (a misspelling gets its closest words, "did you mean"; another form of a word is searched in the record''s form). One row per word.';
COMMENT ON COLUMN core.search_words.word IS 'A word: a run of the letters a to z, three or more, lower-cased; numbers and words in other scripts are not kept.';
COMMENT ON COLUMN core.search_words.occurrences IS 'How often the word occurs in those texts.';
