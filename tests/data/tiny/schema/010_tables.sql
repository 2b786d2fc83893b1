CREATE TABLE core.sources (
    source_id            VARCHAR PRIMARY KEY,
    kind                 VARCHAR NOT NULL CHECK (kind IN ('document', 'reference')),
    title                VARCHAR NOT NULL,
    publisher            VARCHAR,
    published_on         DATE,
    published_precision  VARCHAR,
    url                  VARCHAR,
    language             VARCHAR NOT NULL,
    text_path            VARCHAR,
    sha256               VARCHAR,
    body_start           INTEGER,
    body_end             INTEGER
);
COMMENT ON TABLE core.sources IS 'The sources the facts come from.';
COMMENT ON COLUMN core.sources.source_id IS 'Identifier of the source.';
COMMENT ON COLUMN core.sources.kind IS 'document: its text is stored; reference: cited only.';
COMMENT ON COLUMN core.sources.title IS 'Title of the source.';
COMMENT ON COLUMN core.sources.publisher IS 'Who published it.';
COMMENT ON COLUMN core.sources.published_on IS 'When it was published.';
COMMENT ON COLUMN core.sources.published_precision IS 'How much of published_on is known: day, month or year.';
COMMENT ON COLUMN core.sources.url IS 'Where it can be read.';
COMMENT ON COLUMN core.sources.language IS 'Language of the source.';
COMMENT ON COLUMN core.sources.text_path IS 'Stored text, relative to seeds/.';
COMMENT ON COLUMN core.sources.sha256 IS 'sha256 pinning the stored text.';
COMMENT ON COLUMN core.sources.body_start IS 'Offset where the body starts.';
COMMENT ON COLUMN core.sources.body_end IS 'Offset where the body ends.';

CREATE TABLE core.source_texts (
    source_id  VARCHAR PRIMARY KEY REFERENCES core.sources (source_id),
    text       VARCHAR NOT NULL,
    sha256     VARCHAR NOT NULL,
    n_chars    INTEGER NOT NULL
);
COMMENT ON TABLE core.source_texts IS 'The stored texts, filled by the build.';
COMMENT ON COLUMN core.source_texts.source_id IS 'The source.';
COMMENT ON COLUMN core.source_texts.text IS 'The text as stored.';
COMMENT ON COLUMN core.source_texts.sha256 IS 'sha256 of the stored bytes.';
COMMENT ON COLUMN core.source_texts.n_chars IS 'Length in characters.';

CREATE TABLE core.facts (
    fact_id      VARCHAR PRIMARY KEY,
    label        VARCHAR NOT NULL,
    value        DECIMAL(18, 2) NOT NULL,
    unit         VARCHAR NOT NULL,
    year         INTEGER,
    source_id    VARCHAR NOT NULL REFERENCES core.sources (source_id),
    quote        VARCHAR,
    quote_start  INTEGER,
    quote_end    INTEGER
);
COMMENT ON TABLE core.facts IS 'One row per figure of the note.';
COMMENT ON COLUMN core.facts.fact_id IS 'Identifier of the figure.';
COMMENT ON COLUMN core.facts.label IS 'What the figure counts.';
COMMENT ON COLUMN core.facts.value IS 'The figure.';
COMMENT ON COLUMN core.facts.unit IS 'Its unit.';
COMMENT ON COLUMN core.facts.year IS 'The year it describes, when the note says.';
COMMENT ON COLUMN core.facts.source_id IS 'Where it comes from.';
COMMENT ON COLUMN core.facts.quote IS 'The words that state it.';
COMMENT ON COLUMN core.facts.quote_start IS 'Offset of the quote in the stored text.';
COMMENT ON COLUMN core.facts.quote_end IS 'Offset where the quote ends.';
