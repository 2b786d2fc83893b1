CREATE TABLE core.sources (
    source_id              VARCHAR PRIMARY KEY CHECK (regexp_full_match(source_id, '[a-z0-9_]+')),
    kind                   VARCHAR NOT NULL CHECK (kind IN ('document', 'reference')),
    title                  VARCHAR NOT NULL,
    publisher              VARCHAR,
    published_on           DATE,
    published_precision    VARCHAR CHECK (published_precision IN ('day', 'month', 'year')),
    url                    VARCHAR CHECK (url IS NULL OR regexp_matches(url, '^https?://')),
    language               VARCHAR NOT NULL,
    text_path              VARCHAR,
    sha256                 VARCHAR CHECK (sha256 IS NULL OR regexp_full_match(sha256, '[0-9a-f]{64}')),
    body_start             INTEGER CHECK (body_start >= 0),
    body_end               INTEGER,
    note                   VARCHAR,
    CHECK ((published_on IS NULL) = (published_precision IS NULL)),
    CHECK (kind <> 'document' OR (text_path IS NOT NULL AND sha256 IS NOT NULL
                                  AND body_start IS NOT NULL AND body_end IS NOT NULL)),
    CHECK (kind <> 'reference' OR (text_path IS NULL AND sha256 IS NULL
                                   AND body_start IS NULL AND body_end IS NULL)),
    CHECK (body_end > body_start)
);
COMMENT ON TABLE core.sources IS 'Every source a row cites: the article (kind document, its text stored under seeds/ and pinned by sha256) and the reference publications (kind reference, cited only).';
COMMENT ON COLUMN core.sources.source_id IS 'Stable identifier of the source, lower-case letters, digits and underscores.';
COMMENT ON COLUMN core.sources.kind IS 'document: the text is stored and quoted; reference: cited by publisher, title, date and URL, no text.';
COMMENT ON COLUMN core.sources.title IS 'Title as published; a title in [square brackets] is supplied by this database because the citation gives none.';
COMMENT ON COLUMN core.sources.publisher IS 'Publisher or outlet as cited; NULL when the citation names none.';
COMMENT ON COLUMN core.sources.published_on IS 'Publication date (not the period a figure describes); read with published_precision.';
COMMENT ON COLUMN core.sources.published_precision IS 'How much of published_on is known: day, month (day set to 1) or year (month and day set to 1).';
COMMENT ON COLUMN core.sources.url IS 'Where the source can be read, when known.';
COMMENT ON COLUMN core.sources.language IS 'Language of the source as an IETF tag, for example en or zh.';
COMMENT ON COLUMN core.sources.text_path IS 'For documents: path of the stored text relative to seeds/.';
COMMENT ON COLUMN core.sources.sha256 IS 'For documents: pinned sha256 of the stored text file, lower-case hex; every build verifies it.';
COMMENT ON COLUMN core.sources.body_start IS 'For documents: character offset (0-based) where the article body starts; numbers outside the body are page furniture.';
COMMENT ON COLUMN core.sources.body_end IS 'For documents: character offset (exclusive) where the article body ends.';
COMMENT ON COLUMN core.sources.note IS 'Free-text remarks on the source, for example how its date was established.';

CREATE TABLE core.source_texts (
    source_id  VARCHAR PRIMARY KEY REFERENCES core.sources (source_id),
    text       VARCHAR NOT NULL,
    sha256     VARCHAR NOT NULL,
    n_chars    INTEGER NOT NULL
);
COMMENT ON TABLE core.source_texts IS 'The stored text of each document source, read from seeds/ by the build; quotes and offsets are checked against it.';
COMMENT ON COLUMN core.source_texts.source_id IS 'The document source this text belongs to.';
COMMENT ON COLUMN core.source_texts.text IS 'The full text exactly as stored (UTF-8); offsets count Unicode code points from 0.';
COMMENT ON COLUMN core.source_texts.sha256 IS 'sha256 of the stored file bytes as computed by the build.';
COMMENT ON COLUMN core.source_texts.n_chars IS 'Length of the text in Unicode code points.';
