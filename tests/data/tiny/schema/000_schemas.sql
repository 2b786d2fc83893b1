-- A tiny data set of its own, to show that hebeidb's engine and readers serve any inputs: one source,
-- a few facts, one report with a chart, one check.
CREATE SCHEMA IF NOT EXISTS core;
