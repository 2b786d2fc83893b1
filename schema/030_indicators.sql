CREATE TABLE core.indicators (
    indicator_id   VARCHAR PRIMARY KEY CHECK (regexp_full_match(indicator_id, '[a-z0-9_]+')),
    domain_id      VARCHAR NOT NULL REFERENCES core.domains (domain_id),
    label_en       VARCHAR NOT NULL,
    unit_id        VARCHAR NOT NULL REFERENCES core.units (unit_id),
    measure_kind   VARCHAR NOT NULL CHECK (measure_kind IN ('count', 'rate', 'share', 'amount', 'rank',
                                                            'duration', 'threshold')),
    tally_column   VARCHAR CHECK (tally_column IN ('gold', 'silver', 'bronze', 'total', 'world_records',
                                                   'rank_gold', 'rank_total', 'athletes', 'sports', 'events')),
    part_of_indicator_id VARCHAR REFERENCES core.indicators (indicator_id),
    description    VARCHAR NOT NULL,
    population     VARCHAR,
    CHECK (measure_kind <> 'share' OR tally_column IN ('gold', 'silver', 'bronze', 'total'))
);
COMMENT ON TABLE core.indicators IS 'What a fact measures: one row per kind of figure, with its domain, unit and measure kind.';
COMMENT ON COLUMN core.indicators.indicator_id IS 'Stable code, for example medical_insurance_participation_rate.';
COMMENT ON COLUMN core.indicators.domain_id IS 'Policy area the indicator belongs to.';
COMMENT ON COLUMN core.indicators.label_en IS 'English label for display.';
COMMENT ON COLUMN core.indicators.unit_id IS 'Unit of every value of this indicator.';
COMMENT ON COLUMN core.indicators.measure_kind IS 'count, rate (percent of a population), share (percent of a total), amount (money), rank (1 = first), duration (years) or threshold (a limit named in a rule).';
COMMENT ON COLUMN core.indicators.tally_column IS 'For medal-table indicators: the column of medal_tallies the value fills; for share indicators the column whose national total the share is of; NULL otherwise.';
COMMENT ON COLUMN core.indicators.part_of_indicator_id IS 'Indicator of the whole that this figure is a part of at the same competition (a delegation''s athletes are part of the games'' athletes); the cross-checks require part <= whole.';
COMMENT ON COLUMN core.indicators.description IS 'What exactly is counted or measured.';
COMMENT ON COLUMN core.indicators.population IS 'What is counted, in the article''s words with every qualifying part ("households with financial difficulties"); the checks require it in the quote of each document fact and in the label. NULL where the figure counts no population (medal tables, reference facts).';
