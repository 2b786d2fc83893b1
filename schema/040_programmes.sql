CREATE TABLE core.programmes (
    programme_id        VARCHAR PRIMARY KEY CHECK (regexp_full_match(programme_id, '[a-z0-9_]+')),
    name_en             VARCHAR NOT NULL,
    name_zh             VARCHAR,
    name_zh_official    VARCHAR,
    name_zh_source_id   VARCHAR REFERENCES core.sources (source_id),
    kind                VARCHAR NOT NULL CHECK (kind IN ('project', 'initiative', 'institution', 'service_network',
                                                         'policy', 'plan_period', 'programme_group')),
    domain_id           VARCHAR NOT NULL REFERENCES core.domains (domain_id),
    region_id           VARCHAR NOT NULL REFERENCES core.regions (region_id),
    edition             INTEGER CHECK (edition >= 1),
    period_start        DATE,
    period_end          DATE,
    description         VARCHAR NOT NULL,
    source_id           VARCHAR NOT NULL REFERENCES core.sources (source_id),
    quote               VARCHAR NOT NULL,
    quote_start         INTEGER NOT NULL CHECK (quote_start >= 0),
    quote_end           INTEGER NOT NULL,
    part_of_programme_id VARCHAR REFERENCES core.programmes (programme_id),
    period_source_id    VARCHAR REFERENCES core.sources (source_id),
    period_precision    VARCHAR CHECK (period_precision IN ('day', 'month', 'year')),
    CHECK (quote_end > quote_start),
    CHECK (part_of_programme_id IS NULL OR part_of_programme_id <> programme_id),
    CHECK (period_end >= period_start),
    CHECK ((name_zh IS NULL AND name_zh_official IS NULL) = (name_zh_source_id IS NULL)),
    CHECK ((period_start IS NULL AND period_end IS NULL) = (period_source_id IS NULL)),
    CHECK ((period_start IS NULL AND period_end IS NULL) = (period_precision IS NULL))
);
COMMENT ON TABLE core.programmes IS 'Programmes, policies, institutions and plan periods the article names, each tied to the words that name it.';
COMMENT ON COLUMN core.programmes.programme_id IS 'Stable identifier, for example hundred_counties_thousand_products.';
COMMENT ON COLUMN core.programmes.name_en IS 'English name as the article gives it.';
COMMENT ON COLUMN core.programmes.name_zh IS 'Chinese short name, only where a cited source confirms it.';
COMMENT ON COLUMN core.programmes.name_zh_official IS 'Chinese full official name, where a cited source gives it.';
COMMENT ON COLUMN core.programmes.name_zh_source_id IS 'Source that confirms the Chinese names.';
COMMENT ON COLUMN core.programmes.kind IS 'project, initiative, institution, service_network, policy, plan_period or programme_group (several programmes the source names together, "key projects, including ...": a figure stated for the group belongs to the group, not to one member).';
COMMENT ON COLUMN core.programmes.domain_id IS 'Policy area of the programme.';
COMMENT ON COLUMN core.programmes.region_id IS 'Region the programme serves or is located in.';
COMMENT ON COLUMN core.programmes.edition IS 'Ordinal in a series (15 for the 15th Five-Year Plan period); NULL when not part of a series.';
COMMENT ON COLUMN core.programmes.period_start IS 'First day the programme or plan covers, when known (period_source_id says from where; a period known to the year starts on 1 January).';
COMMENT ON COLUMN core.programmes.period_end IS 'Last day the programme or plan covers, or its deadline, when known (a period known to the year ends on 31 December: "by 2027" is 2027-12-31).';
COMMENT ON COLUMN core.programmes.description IS 'What the programme is, in the words of this database.';
COMMENT ON COLUMN core.programmes.source_id IS 'Source that names the programme.';
COMMENT ON COLUMN core.programmes.quote IS 'The exact words of the source that name the programme.';
COMMENT ON COLUMN core.programmes.quote_start IS 'Character offset (0-based) of the quote in the stored source text.';
COMMENT ON COLUMN core.programmes.quote_end IS 'Character offset (exclusive) where the quote ends.';
COMMENT ON COLUMN core.programmes.period_source_id IS 'Source of period_start and period_end, which need not be the source that names the programme (the article names the 15th Five-Year Plan period; a reference gives 2026-2030). A document cited here must write the years; NULL when no period is known.';
COMMENT ON COLUMN core.programmes.period_precision IS 'How much of period_start and period_end the source gives: day, month or year (the dates are then the first and last day of the month or year). NULL when no period is known.';
COMMENT ON COLUMN core.programmes.part_of_programme_id IS 'The programme group this programme is named as a member of ("key projects, including the Targeted Disability Service Project"); NULL otherwise.';
