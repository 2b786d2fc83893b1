-- Base tables live in their own schema so that the public views in the default
-- schema can use plain names (facts, sources, medal_tallies) without clashing.
CREATE SCHEMA IF NOT EXISTS core;
