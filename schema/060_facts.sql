CREATE TABLE core.facts (
    fact_id          VARCHAR PRIMARY KEY CHECK (regexp_full_match(fact_id, '[a-z0-9_]+')),
    indicator_id     VARCHAR NOT NULL REFERENCES core.indicators (indicator_id),
    region_id        VARCHAR REFERENCES core.regions (region_id),
    competition_id   VARCHAR REFERENCES core.competitions (competition_id),
    programme_id     VARCHAR REFERENCES core.programmes (programme_id),
    period_kind      VARCHAR NOT NULL CHECK (period_kind IN ('event', 'span', 'as_of', 'target')),
    period_start     DATE,
    period_end       DATE NOT NULL,
    value            DECIMAL(18, 2) NOT NULL,
    qualifier        VARCHAR NOT NULL REFERENCES core.qualifiers (qualifier),
    value_low        DECIMAL(18, 2),
    low_inclusive    BOOLEAN,
    value_high       DECIMAL(18, 2),
    high_inclusive   BOOLEAN,
    is_cumulative    BOOLEAN NOT NULL,
    is_inferred      BOOLEAN NOT NULL,
    source_id        VARCHAR NOT NULL REFERENCES core.sources (source_id),
    quote            VARCHAR,
    quote_start      INTEGER CHECK (quote_start >= 0),
    quote_end        INTEGER,
    note             VARCHAR,
    precision        DECIMAL(18, 2) CHECK (precision IN (0.1, 0.5, 1, 10, 100, 1000, 10000, 100000, 1000000,
                                                       10000000, 100000000, 1000000000, 10000000000)),
    rounding         VARCHAR NOT NULL CHECK (rounding IN ('none', 'nearest', 'down', 'nearest_or_down')),
    aggregation      VARCHAR NOT NULL CHECK (aggregation IN ('level', 'running_total', 'count_over_period', 'rate',
                                                             'criterion')),
    comparison       VARCHAR REFERENCES core.qualifiers (qualifier),
    period_end_precision VARCHAR NOT NULL CHECK (period_end_precision IN ('day', 'month', 'year')),
    CHECK (period_end >= period_start),
    CHECK (period_kind <> 'event' OR period_start IS NOT NULL),
    CHECK (region_id IS NOT NULL OR competition_id IS NOT NULL),
    CHECK (value % precision = 0),
    CHECK (rounding = 'none' OR qualifier = 'exact'),
    CHECK ((aggregation = 'criterion') = (comparison IS NOT NULL)),
    CHECK (comparison IS NULL OR qualifier = 'exact'),
    CHECK ((aggregation = 'criterion') = (precision IS NULL)),
    CHECK (NOT is_cumulative OR aggregation = 'running_total'),
    CHECK ((quote IS NULL) = (quote_start IS NULL) AND (quote IS NULL) = (quote_end IS NULL)),
    CHECK (quote_end > quote_start),
    CHECK (NOT is_inferred OR note IS NOT NULL),
    CHECK ((value_low IS NULL) = (low_inclusive IS NULL)),
    CHECK ((value_high IS NULL) = (high_inclusive IS NULL))
);
COMMENT ON TABLE core.facts IS 'One row per numeric claim: what is measured, where, when, the stated value with its qualifier and implied interval, and the exact words it comes from.';
COMMENT ON COLUMN core.facts.fact_id IS 'Stable identifier of the claim.';
COMMENT ON COLUMN core.facts.indicator_id IS 'What the value measures; the indicator fixes the unit and domain.';
COMMENT ON COLUMN core.facts.region_id IS 'Region the value describes; for a delegation''s results at a competition, the region the delegation represents; NULL for a figure of a competition as a whole (all delegations), which no region describes.';
COMMENT ON COLUMN core.facts.competition_id IS 'For results at a competition: the competition; NULL otherwise.';
COMMENT ON COLUMN core.facts.programme_id IS 'Programme or policy the figure belongs to, where the source ties it to one.';
COMMENT ON COLUMN core.facts.period_kind IS 'event: the dates of a competition; span: a span of time the source states ("for five consecutive years", "for an extended period"; period_start NULL when the source gives no length); as_of: a level or running total as of period_end, start not stated; target: a deadline such as "by 2027".';
COMMENT ON COLUMN core.facts.period_start IS 'First day of the period the figure describes; NULL when the source does not state it (as_of and target periods).';
COMMENT ON COLUMN core.facts.period_end IS 'Last day of the period the figure describes, to period_end_precision; for as_of figures and spans up to the present whose date the source does not state, the publication date of the source: the date the figure was reported by, only an upper bound of the date it refers to (its year is unknown).';
COMMENT ON COLUMN core.facts.value IS 'The stated value as a plain number in the indicator''s unit (1.3 million persons is 1300000; 98% is 98).';
COMMENT ON COLUMN core.facts.qualifier IS 'The qualifying word of the source (over, above, exceeding, surpassing, nearly, at_least) or exact when there is none.';
COMMENT ON COLUMN core.facts.value_low IS 'Lower end of the interval the stated figure implies: from the qualifier first, then from the precision where the qualifier leaves the side open or the figure is rounded, clipped to the unit''s limits; NULL when unbounded below. Derived by the build (seeds/facts.sql).';
COMMENT ON COLUMN core.facts.low_inclusive IS 'Whether value_low itself is possible (closed end); NULL when unbounded.';
COMMENT ON COLUMN core.facts.value_high IS 'Upper end of the interval the stated figure implies (qualifier first, then precision, clipped to the unit''s limits); NULL when unbounded above. Derived by the build.';
COMMENT ON COLUMN core.facts.high_inclusive IS 'Whether value_high itself is possible (closed end); NULL when unbounded.';
COMMENT ON COLUMN core.facts.is_cumulative IS 'True when the source calls the figure cumulative ("cumulatively", "a cumulative").';
COMMENT ON COLUMN core.facts.is_inferred IS 'True when the source implies but does not state part of the fact (which games it refers to, which total a percentage is of, when a span starts); note gives the reasoning and core.inference_basis the facts and sources it rests on.';
COMMENT ON COLUMN core.facts.source_id IS 'Source of the claim.';
COMMENT ON COLUMN core.facts.quote IS 'The exact words of a document source that state the value; NULL for reference sources, which are cited, not quoted.';
COMMENT ON COLUMN core.facts.quote_start IS 'Character offset (0-based, Unicode code points) of the quote in the stored source text.';
COMMENT ON COLUMN core.facts.quote_end IS 'Character offset (exclusive) where the quote ends.';
COMMENT ON COLUMN core.facts.note IS 'Remarks: for inferred facts what was inferred and why; for reference facts what the citation says.';
COMMENT ON COLUMN core.facts.precision IS 'Step of the last significant digit of the stated figure: 1000 for "17,000" (a round figure), 10000 for "1.42 million", 0.1 for "97.5%", 1 for a count stated in full, 0.5 for a tally in half medals (123.5). Never finer than the digits written nor than the unit''s step. NULL for a criterion: a rule''s threshold is not a measurement.';
COMMENT ON COLUMN core.facts.rounding IS 'For a figure stated without a qualifier, how the stated figure was reached from the true value: none (stated in full, the interval is the value itself), nearest (rounded to the nearest multiple of precision), down (cut to a multiple of precision, as "55%" for 55.6%) or nearest_or_down (the source''s convention is not known: the interval is the union of both readings, [v - p/2, v + p)). A single reading needs a cross-check against other claims that only it passes. none for qualified figures.';
COMMENT ON COLUMN core.facts.period_end_precision IS 'How much of period_end the source gives: day, month or year. A deadline read from a year ("by 2027") has year precision: period_end is the last day of that year, not a date the source states.';
COMMENT ON COLUMN core.facts.aggregation IS 'How the figure relates to time: level (a state at a date: stocks, ranks, durations), running_total (accumulated up to period_end from a start the source may not state), count_over_period (what happened within the stated period, such as medals at a competition), rate (a percentage at a date or held over a span) or criterion (a value in a rule or a selection, such as a population threshold; not a measurement).';
COMMENT ON COLUMN core.facts.comparison IS 'For a criterion: the comparison the rule makes, as a qualifier ("counties with populations over 200,000" is over 200000, "at least one person" is at_least 1); NULL otherwise. The figure itself is exact.';

CREATE TABLE core.inference_basis (
    basis_id         VARCHAR PRIMARY KEY CHECK (regexp_full_match(basis_id, '[a-z0-9_]+')),
    fact_id          VARCHAR NOT NULL REFERENCES core.facts (fact_id),
    basis_fact_id    VARCHAR REFERENCES core.facts (fact_id),
    basis_source_id  VARCHAR REFERENCES core.sources (source_id),
    role             VARCHAR NOT NULL,
    CHECK ((basis_fact_id IS NULL) <> (basis_source_id IS NULL)),
    CHECK (basis_fact_id IS NULL OR basis_fact_id <> fact_id),
    UNIQUE (fact_id, basis_fact_id, basis_source_id)
);
COMMENT ON TABLE core.inference_basis IS 'What each inferred fact''s reasoning rests on: facts and sources held in this database, one row each. Every inferred fact has at least one row, and only inferred facts have rows.';
COMMENT ON COLUMN core.inference_basis.basis_id IS 'Stable identifier of the row.';
COMMENT ON COLUMN core.inference_basis.fact_id IS 'The inferred fact.';
COMMENT ON COLUMN core.inference_basis.basis_fact_id IS 'A fact the reasoning uses; NULL when the row names a source.';
COMMENT ON COLUMN core.inference_basis.basis_source_id IS 'A source the reasoning uses; NULL when the row names a fact.';
COMMENT ON COLUMN core.inference_basis.role IS 'What the fact or source contributes to the reasoning, in a sentence.';

CREATE TABLE core.exclusions (
    exclusion_id     VARCHAR PRIMARY KEY CHECK (regexp_full_match(exclusion_id, '[a-z0-9_]+')),
    source_id        VARCHAR NOT NULL REFERENCES core.sources (source_id),
    token            VARCHAR NOT NULL,
    token_start      INTEGER NOT NULL CHECK (token_start >= 0),
    token_end        INTEGER NOT NULL,
    reason_kind      VARCHAR NOT NULL CHECK (reason_kind IN ('publication_date', 'edition', 'date', 'period',
                                                             'repeat', 'name', 'descriptor', 'milestone')),
    reason           VARCHAR NOT NULL,
    fact_id          VARCHAR REFERENCES core.facts (fact_id),
    competition_id   VARCHAR REFERENCES core.competitions (competition_id),
    programme_id     VARCHAR REFERENCES core.programmes (programme_id),
    CHECK (token_end > token_start),
    CHECK (reason_kind <> 'repeat' OR fact_id IS NOT NULL),
    CHECK (reason_kind <> 'name' OR programme_id IS NOT NULL),
    CHECK (reason_kind <> 'edition' OR competition_id IS NOT NULL OR programme_id IS NOT NULL),
    CHECK (reason_kind <> 'date' OR competition_id IS NOT NULL OR fact_id IS NOT NULL),
    CHECK (reason_kind <> 'milestone' OR fact_id IS NOT NULL)
);
COMMENT ON TABLE core.exclusions IS 'Numbers in a document body that are not claims of their own (edition numbers, dates, repeats, parts of names, milestones), each with the reason and the row that holds it; the coverage check accepts a number only as a fact or as an exclusion, and an excluded number never states a fact''s value.';
COMMENT ON COLUMN core.exclusions.exclusion_id IS 'Stable identifier.';
COMMENT ON COLUMN core.exclusions.source_id IS 'Document the number stands in.';
COMMENT ON COLUMN core.exclusions.token IS 'The number exactly as written ("12th", "five", "2025").';
COMMENT ON COLUMN core.exclusions.token_start IS 'Character offset (0-based) of the number in the stored text.';
COMMENT ON COLUMN core.exclusions.token_end IS 'Character offset (exclusive) where the number ends.';
COMMENT ON COLUMN core.exclusions.reason_kind IS 'publication_date, edition, date, period, repeat (of a fact stated earlier), name (part of a programme name), descriptor, or milestone (an ordinal of occurrence, "for the first time", said of the fact in fact_id: not its value).';
COMMENT ON COLUMN core.exclusions.reason IS 'Why the number is not a fact of its own and where its information is kept.';
COMMENT ON COLUMN core.exclusions.fact_id IS 'For a repeat: the fact it repeats (the values must agree); for a date: the fact whose period it gives; for a milestone: the fact it is said of.';
COMMENT ON COLUMN core.exclusions.competition_id IS 'For an edition or date of a competition: the competition (the numbers must agree).';
COMMENT ON COLUMN core.exclusions.programme_id IS 'For an edition or name of a programme: the programme (the numbers or words must agree).';
