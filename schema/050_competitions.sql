CREATE TABLE core.competitions (
    competition_id       VARCHAR PRIMARY KEY CHECK (regexp_full_match(competition_id, '[a-z0-9_]+')),
    name_en              VARCHAR NOT NULL,
    official_name_en     VARCHAR,
    kind                 VARCHAR NOT NULL CHECK (kind IN ('summer_paralympics', 'winter_paralympics',
                                                          'winter_deaflympics', 'national_games')),
    edition              INTEGER NOT NULL CHECK (edition >= 1),
    joint_event          VARCHAR,
    joint_event_edition  INTEGER CHECK (joint_event_edition >= 1),
    start_date           DATE NOT NULL,
    end_date             DATE NOT NULL,
    source_id            VARCHAR NOT NULL REFERENCES core.sources (source_id),
    note                 VARCHAR,
    CHECK (end_date >= start_date),
    CHECK ((joint_event IS NULL) = (joint_event_edition IS NULL))
);
COMMENT ON TABLE core.competitions IS 'Games the article reports results from, with edition, kind and dates from the cited sources.';
COMMENT ON COLUMN core.competitions.competition_id IS 'Stable identifier, for example beijing_2022_winter_paralympics.';
COMMENT ON COLUMN core.competitions.name_en IS 'Common English name.';
COMMENT ON COLUMN core.competitions.official_name_en IS 'Official English name where it differs from name_en (the 20th Winter Deaflympics is officially the 2023 Winter Deaflympics).';
COMMENT ON COLUMN core.competitions.kind IS 'summer_paralympics, winter_paralympics, winter_deaflympics or national_games.';
COMMENT ON COLUMN core.competitions.edition IS 'Edition number of the games in its own series (16 for Tokyo 2020).';
COMMENT ON COLUMN core.competitions.joint_event IS 'Event held together with these games, if any (the National Special Olympics).';
COMMENT ON COLUMN core.competitions.joint_event_edition IS 'Edition number of the joint event.';
COMMENT ON COLUMN core.competitions.start_date IS 'First day of competition.';
COMMENT ON COLUMN core.competitions.end_date IS 'Last day of competition.';
COMMENT ON COLUMN core.competitions.source_id IS 'Source of the competition''s dates, hosts, edition and official name; a document cited here must write the dates (its day and year numbers are date exclusions of the competition).';
COMMENT ON COLUMN core.competitions.note IS 'Free-text remarks.';

CREATE TABLE core.competition_hosts (
    competition_id  VARCHAR NOT NULL REFERENCES core.competitions (competition_id),
    region_id       VARCHAR NOT NULL REFERENCES core.regions (region_id),
    host_order      INTEGER NOT NULL CHECK (host_order >= 1),
    PRIMARY KEY (competition_id, region_id),
    UNIQUE (competition_id, host_order)
);
COMMENT ON TABLE core.competition_hosts IS 'Regions that hosted each competition, in the order the sources list them.';
COMMENT ON COLUMN core.competition_hosts.competition_id IS 'The competition.';
COMMENT ON COLUMN core.competition_hosts.region_id IS 'A host region or city.';
COMMENT ON COLUMN core.competition_hosts.host_order IS 'Position of the host in the list, from 1.';

CREATE TABLE core.delegations (
    competition_id   VARCHAR NOT NULL REFERENCES core.competitions (competition_id),
    region_id        VARCHAR NOT NULL REFERENCES core.regions (region_id),
    counting_basis   VARCHAR NOT NULL CHECK (counting_basis IN ('per_athlete', 'per_event', 'per_event_halves',
                                                                'unknown')),
    source_id        VARCHAR NOT NULL REFERENCES core.sources (source_id),
    note             VARCHAR,
    counting_basis_status    VARCHAR NOT NULL CHECK (counting_basis_status IN ('sourced', 'assumed', 'unknown')),
    counting_basis_source_id VARCHAR REFERENCES core.sources (source_id),
    medal_table      VARCHAR NOT NULL CHECK (medal_table IN ('games', 'games_and_joint_event', 'provincial_count',
                                                                 'unknown')),
    part_of_region_id VARCHAR REFERENCES core.regions (region_id),
    PRIMARY KEY (competition_id, region_id),
    CHECK (part_of_region_id IS NULL OR part_of_region_id <> region_id),
    CHECK ((part_of_region_id IS NOT NULL) = (medal_table = 'provincial_count')),
    CHECK ((counting_basis = 'unknown') = (counting_basis_status = 'unknown')),
    CHECK ((counting_basis_status = 'sourced') = (counting_basis_source_id IS NOT NULL)),
    CHECK (counting_basis_status <> 'assumed' OR note IS NOT NULL)
);
COMMENT ON TABLE core.delegations IS 'A delegation at a competition whose medal table row is recorded, or the part of a delegation a region''s athletes formed (Hebei''s athletes in China''s delegation at the Paralympics); its figures are facts (see facts.competition_id).';
COMMENT ON COLUMN core.delegations.competition_id IS 'The competition.';
COMMENT ON COLUMN core.delegations.region_id IS 'The region the delegation represents (hebei, china, ...).';
COMMENT ON COLUMN core.delegations.counting_basis IS 'How the delegation''s medals count a medal won by a team: per_event (once per event), per_event_halves (once per event, a medal won by a team from two delegations counting one half to each), per_athlete (once for each of its athletes in the team) or unknown (no source says).';
COMMENT ON COLUMN core.delegations.source_id IS 'Source of the delegation''s figures.';
COMMENT ON COLUMN core.delegations.note IS 'Free-text remarks; for an assumed counting basis, why it is assumed.';
COMMENT ON COLUMN core.delegations.counting_basis_status IS 'sourced (counting_basis_source_id says so), assumed (no source says so; note gives the reason) or unknown.';
COMMENT ON COLUMN core.delegations.counting_basis_source_id IS 'For a sourced counting basis: the source that shows it; NULL otherwise.';
COMMENT ON COLUMN core.delegations.medal_table IS 'Which medal table the figures come from: games (the games alone), games_and_joint_event (the games and the event held with them, such as the National Special Olympics), provincial_count (a region''s own count of the medals its athletes won within a larger delegation, part_of_region_id: no table of the games ranks it) or unknown. Ranks of two delegations compare only when both tables and counting bases are known and equal.';
COMMENT ON COLUMN core.delegations.part_of_region_id IS 'The delegation at the same competition this one is part of (china for Hebei at the Paralympics and Deaflympics, where Hebei''s athletes compete for China): its medals are part of that delegation''s, not a peer row beside it. NULL for a delegation of its own; set exactly when medal_table is provincial_count. The checks require that delegation at the competition, of a region that encloses this one.';
