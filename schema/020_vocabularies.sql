CREATE TABLE core.regions (
    region_id            VARCHAR PRIMARY KEY CHECK (regexp_full_match(region_id, '[a-z0-9_]+')),
    name_en              VARCHAR NOT NULL,
    name_zh              VARCHAR,
    name_zh_source_id    VARCHAR REFERENCES core.sources (source_id),
    level                VARCHAR NOT NULL CHECK (level IN ('country', 'macro_region', 'province',
                                                           'special_administrative_region', 'prefecture_city',
                                                           'district', 'city')),
    parent_region_id     VARCHAR REFERENCES core.regions (region_id),
    note                 VARCHAR,
    CHECK ((name_zh IS NULL) = (name_zh_source_id IS NULL)),
    CHECK (parent_region_id IS NULL OR parent_region_id <> region_id)
);
COMMENT ON TABLE core.regions IS 'Places the facts describe or the competitions were held in: Hebei, Baoding, China, the Beijing-Tianjin-Hebei region, host cities.';
COMMENT ON COLUMN core.regions.region_id IS 'Stable identifier, for example hebei or beijing_tianjin_hebei.';
COMMENT ON COLUMN core.regions.name_en IS 'English name.';
COMMENT ON COLUMN core.regions.name_zh IS 'Official Chinese name, only where a cited source confirms it; NULL otherwise.';
COMMENT ON COLUMN core.regions.name_zh_source_id IS 'Source that confirms name_zh.';
COMMENT ON COLUMN core.regions.level IS 'Administrative level: country, macro_region, province, special_administrative_region, prefecture_city, district or city (outside China).';
COMMENT ON COLUMN core.regions.parent_region_id IS 'Enclosing region, where one is recorded.';
COMMENT ON COLUMN core.regions.note IS 'Free-text remarks.';

CREATE TABLE core.domains (
    domain_id    VARCHAR PRIMARY KEY CHECK (regexp_full_match(domain_id, '[a-z0-9_]+')),
    name_en      VARCHAR NOT NULL,
    description  VARCHAR NOT NULL
);
COMMENT ON TABLE core.domains IS 'Policy areas the article reports on, such as healthcare, education or sport results.';
COMMENT ON COLUMN core.domains.domain_id IS 'Stable identifier, for example social_security.';
COMMENT ON COLUMN core.domains.name_en IS 'English name for display.';
COMMENT ON COLUMN core.domains.description IS 'What the domain covers.';

CREATE TABLE core.units (
    unit_id      VARCHAR PRIMARY KEY CHECK (regexp_full_match(unit_id, '[a-z0-9_]+')),
    label        VARCHAR NOT NULL,
    min_value    DECIMAL(18, 2),
    max_value    DECIMAL(18, 2),
    description  VARCHAR NOT NULL,
    text_prefix  VARCHAR,
    text_suffix  VARCHAR,
    text_suffix_one VARCHAR,
    step         DECIMAL(18, 2) CHECK (step > 0),
    CHECK (max_value > min_value),
    CHECK (coalesce(text_prefix, '') <> '' OR coalesce(text_suffix, '') <> ''),
    CHECK ((text_suffix IS NULL) = (text_suffix_one IS NULL))
);
COMMENT ON TABLE core.units IS 'Units in which fact values are expressed; values are plain numbers in their unit (1.3 million persons is 1300000).';
COMMENT ON COLUMN core.units.unit_id IS 'Stable identifier, for example persons, person_times, yuan or percent.';
COMMENT ON COLUMN core.units.label IS 'Label for display, for example person-times.';
COMMENT ON COLUMN core.units.min_value IS 'Smallest possible value in this unit (0 for counts and money); closes an interval a qualifier leaves open below.';
COMMENT ON COLUMN core.units.max_value IS 'Largest possible value (100 for percent); closes an interval a qualifier leaves open above. NULL when unbounded.';
COMMENT ON COLUMN core.units.description IS 'What one unit counts.';
COMMENT ON COLUMN core.units.text_prefix IS 'Written before a figure in this unit when it is printed (rank 2); NULL for none. Every unit has a prefix or a suffix, so no printed figure loses its unit.';
COMMENT ON COLUMN core.units.text_suffix IS 'Written after a figure in this unit when it is printed: "%" for percent, " yuan", " person-times"; NULL for none.';
COMMENT ON COLUMN core.units.text_suffix_one IS 'Written after the figure 1 instead of text_suffix: the singular (" medal", " person"); NULL exactly when text_suffix is.';
COMMENT ON COLUMN core.units.step IS 'Smallest difference between two values the unit can take: 1 for counts, 0.5 for medals (a medal won by a team from two delegations counts one half to each); NULL for a continuous unit (percent, money). Values are multiples of it, and no figure is stated more finely (precision >= step).';

CREATE TABLE core.qualifiers (
    qualifier       VARCHAR PRIMARY KEY CHECK (regexp_full_match(qualifier, '[a-z_]+')),
    phrase          VARCHAR,
    symbol          VARCHAR NOT NULL,
    low_from_value  BOOLEAN NOT NULL,
    low_inclusive   BOOLEAN NOT NULL,
    high_from_value BOOLEAN NOT NULL,
    high_inclusive  BOOLEAN NOT NULL,
    description     VARCHAR NOT NULL,
    reach           DECIMAL(3, 2) CHECK (reach > 0 AND reach <= 1),
    UNIQUE (phrase),
    CHECK ((qualifier = 'exact') = (phrase IS NULL)),
    CHECK ((reach IS NULL) = (low_from_value AND high_from_value))
);
COMMENT ON TABLE core.qualifiers IS 'The words that qualify a stated figure ("over", "nearly", "at least") and the interval each implies around the stated value.';
COMMENT ON COLUMN core.qualifiers.qualifier IS 'Identifier used in facts.qualifier; exact means the figure is stated without a qualifying word.';
COMMENT ON COLUMN core.qualifiers.phrase IS 'The words in the source that express the qualifier, lower case, as they stand right before the number; NULL for exact.';
COMMENT ON COLUMN core.qualifiers.low_from_value IS 'True when the stated value is the lower end of the interval; otherwise the lower end lies reach steps of the figure''s precision below the value, clipped to the unit''s min_value.';
COMMENT ON COLUMN core.qualifiers.low_inclusive IS 'Whether the lower end, when taken from the value, is included.';
COMMENT ON COLUMN core.qualifiers.high_from_value IS 'True when the stated value is the upper end of the interval; otherwise the upper end lies reach steps of the figure''s precision above the value, clipped to the unit''s max_value.';
COMMENT ON COLUMN core.qualifiers.high_inclusive IS 'Whether the upper end, when taken from the value, is included.';
COMMENT ON COLUMN core.qualifiers.description IS 'What the qualifier means for the true value.';
COMMENT ON COLUMN core.qualifiers.reach IS 'How far the side the qualifier leaves open reaches from the stated value, in steps of the figure''s precision: 1 for over (a figure one step larger would have been written: "over 96,700" is at most 96,800), 0.5 for nearly (the value is closest to the figure written: "nearly 3,000" is at least 2,500). NULL for exact, which leaves no side open.';
COMMENT ON COLUMN core.qualifiers.symbol IS 'Symbol shown before the value in reports: > or ≥ for a lower bound the value gives, < or ≤ for an upper bound (one-sided: "nearly 3,000" is < 3,000), ~ where the value bounds neither side, = for exact.';

CREATE TABLE core.number_words (
    word   VARCHAR PRIMARY KEY CHECK (regexp_full_match(word, '[a-z]+')),
    value  DECIMAL(18, 2) NOT NULL CHECK (value >= 0),
    kind   VARCHAR NOT NULL CHECK (kind IN ('cardinal', 'ordinal', 'scale', 'proportion', 'rank'))
);
COMMENT ON TABLE core.number_words IS 'English number words the provenance and coverage checks recognise in a text ("nine", "second", "million").';
COMMENT ON COLUMN core.number_words.word IS 'The word in lower case.';
COMMENT ON COLUMN core.number_words.value IS 'Its numeric value; a scale word multiplies the number before it.';
COMMENT ON COLUMN core.number_words.kind IS 'cardinal (nine), ordinal (second), scale (million, billion), proportion (full, a percentage: full coverage is 100%) or rank (topping: first in a ranking, rank 1).';
