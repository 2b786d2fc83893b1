CREATE VIEW sources AS
SELECT source_id, kind, title, publisher, published_on, url, sha256
FROM core.sources ORDER BY source_id;
COMMENT ON VIEW sources IS 'Every source of the note.';
COMMENT ON COLUMN sources.source_id IS 'Identifier of the source.';
COMMENT ON COLUMN sources.kind IS 'document or reference.';
COMMENT ON COLUMN sources.title IS 'Title of the source.';
COMMENT ON COLUMN sources.publisher IS 'Who published it.';
COMMENT ON COLUMN sources.published_on IS 'When it was published.';
COMMENT ON COLUMN sources.url IS 'Where it can be read.';
COMMENT ON COLUMN sources.sha256 IS 'sha256 pinning the stored text.';

CREATE VIEW facts AS
SELECT fact_id, label, value, unit, year, source_id, quote, quote_start, quote_end
FROM core.facts ORDER BY quote_start, fact_id;
COMMENT ON VIEW facts IS 'Every figure of the note with its quote.';
COMMENT ON COLUMN facts.fact_id IS 'Identifier of the figure.';
COMMENT ON COLUMN facts.label IS 'What the figure counts.';
COMMENT ON COLUMN facts.value IS 'The figure.';
COMMENT ON COLUMN facts.unit IS 'Its unit.';
COMMENT ON COLUMN facts.year IS 'The year it describes, when the note says.';
COMMENT ON COLUMN facts.source_id IS 'Where it comes from.';
COMMENT ON COLUMN facts.quote IS 'The words that state it.';
COMMENT ON COLUMN facts.quote_start IS 'Offset of the quote in the stored text.';
COMMENT ON COLUMN facts.quote_end IS 'Offset where the quote ends.';
