-- What every reader needs, written into the file by the build: the dataset's name and title, the
-- public views' contract (keys and references, declared in schema/public_views.toml; descriptions are
-- the DDL's comments) and each report's template and metadata (queries/<name>.sql and .toml).
-- Readers (API, command line, export) take all of it from here, never from the installed package.

CREATE TABLE core.dataset (
    name         VARCHAR PRIMARY KEY CHECK (regexp_full_match(name, '[a-z][a-z0-9_-]*')),
    title        VARCHAR NOT NULL,
    description  VARCHAR NOT NULL,
    license      VARCHAR,
    license_url  VARCHAR,
    rights       VARCHAR
);
COMMENT ON TABLE core.dataset IS 'One row naming the data set the file holds (used as the title of exports), with its licence, from schema/public_views.toml.';
COMMENT ON COLUMN core.dataset.name IS 'Short machine name of the data set.';
COMMENT ON COLUMN core.dataset.title IS 'Title of the data set.';
COMMENT ON COLUMN core.dataset.description IS 'What the data set holds, in a few sentences.';
COMMENT ON COLUMN core.dataset.license IS 'Licence of the compiled data and the code (an SPDX identifier such as MIT); NULL when not declared.';
COMMENT ON COLUMN core.dataset.license_url IS 'Where the licence text is; NULL when not declared.';
COMMENT ON COLUMN core.dataset.rights IS 'What the licence does not cover and why it is kept: the stored texts of the sources belong to their publishers; NULL when not declared.';

CREATE TABLE core.public_views (
    view_name    VARCHAR PRIMARY KEY CHECK (regexp_full_match(view_name, '[a-z][a-z0-9_]*')),
    key_columns  VARCHAR[] NOT NULL,
    position     INTEGER NOT NULL
);
COMMENT ON TABLE core.public_views IS 'The public views and the key of each (checked unique by the build), from schema/public_views.toml; descriptions are the views'' comments.';
COMMENT ON COLUMN core.public_views.view_name IS 'Name of the public view (in the main schema).';
COMMENT ON COLUMN core.public_views.key_columns IS 'Columns that identify a row of the view; empty when the view has no key.';
COMMENT ON COLUMN core.public_views.position IS 'Order in which the contract declares the views.';

CREATE TABLE core.public_view_references (
    view_name           VARCHAR NOT NULL REFERENCES core.public_views (view_name),
    position            INTEGER NOT NULL,
    columns             VARCHAR[] NOT NULL,
    referenced_view     VARCHAR NOT NULL REFERENCES core.public_views (view_name),
    referenced_columns  VARCHAR[] NOT NULL,
    PRIMARY KEY (view_name, position),
    CHECK (len(columns) = len(referenced_columns) AND len(columns) > 0)
);
COMMENT ON TABLE core.public_view_references IS 'References between public views (foreign keys of the contract; checked to resolve by the build).';
COMMENT ON COLUMN core.public_view_references.view_name IS 'The referring view.';
COMMENT ON COLUMN core.public_view_references.position IS 'Order of the reference among the view''s references.';
COMMENT ON COLUMN core.public_view_references.columns IS 'Columns of the referring view.';
COMMENT ON COLUMN core.public_view_references.referenced_view IS 'The view referred to.';
COMMENT ON COLUMN core.public_view_references.referenced_columns IS 'Columns of the referred view, matching columns in order (its key).';

CREATE TABLE core.reports (
    name              VARCHAR PRIMARY KEY CHECK (regexp_full_match(name, '[a-z][a-z0-9_]*')),
    title             VARCHAR NOT NULL,
    description       VARCHAR NOT NULL,
    view_name         VARCHAR NOT NULL,
    template          VARCHAR NOT NULL,
    metadata          VARCHAR NOT NULL,
    template_file     VARCHAR NOT NULL,
    metadata_file     VARCHAR NOT NULL
);
COMMENT ON TABLE core.reports IS 'Every report: its Jinja SQL template and TOML metadata exactly as built, so readers render the reports of the file they opened.';
COMMENT ON COLUMN core.reports.name IS 'Report name (hebeidb report NAME).';
COMMENT ON COLUMN core.reports.title IS 'Title of the report.';
COMMENT ON COLUMN core.reports.description IS 'What the report shows and how to read it.';
COMMENT ON COLUMN core.reports.view_name IS 'The view holding the report''s result with its default parameters (report_<name>).';
COMMENT ON COLUMN core.reports.template IS 'Text of the Jinja SQL template (queries/<name>.sql) as built.';
COMMENT ON COLUMN core.reports.metadata IS 'Text of the TOML metadata (queries/<name>.toml) as built.';
COMMENT ON COLUMN core.reports.template_file IS 'Path of the template relative to the inputs, for messages.';
COMMENT ON COLUMN core.reports.metadata_file IS 'Path of the metadata relative to the inputs, for messages.';

CREATE TABLE core.report_parameters (
    report_name    VARCHAR NOT NULL REFERENCES core.reports (name),
    position       INTEGER NOT NULL,
    name           VARCHAR NOT NULL,
    type           VARCHAR NOT NULL CHECK (type IN ('text', 'integer', 'number', 'date', 'boolean', 'choice', 'identifier')),
    help           VARCHAR NOT NULL,
    default_value  VARCHAR,
    choices        VARCHAR[],
    choices_from   VARCHAR,
    minimum        VARCHAR,
    maximum        VARCHAR,
    required       BOOLEAN NOT NULL,
    PRIMARY KEY (report_name, name)
);
COMMENT ON TABLE core.report_parameters IS 'Every parameter of every report, as its metadata declares it (for SQL users; readers parse core.reports.metadata).';
COMMENT ON COLUMN core.report_parameters.report_name IS 'The report.';
COMMENT ON COLUMN core.report_parameters.position IS 'Order of the parameter in the metadata.';
COMMENT ON COLUMN core.report_parameters.name IS 'Parameter name (--param NAME=VALUE).';
COMMENT ON COLUMN core.report_parameters.type IS 'text, integer, number, date, boolean, choice or identifier.';
COMMENT ON COLUMN core.report_parameters.help IS 'What the parameter does.';
COMMENT ON COLUMN core.report_parameters.default_value IS 'Default value as text; NULL when the parameter is optional without a default.';
COMMENT ON COLUMN core.report_parameters.choices IS 'Allowed values as text, when the metadata lists them.';
COMMENT ON COLUMN core.report_parameters.choices_from IS 'view.column whose values are allowed, when the choices come from the data.';
COMMENT ON COLUMN core.report_parameters.minimum IS 'Smallest allowed value as text, if any.';
COMMENT ON COLUMN core.report_parameters.maximum IS 'Largest allowed value as text, if any.';
COMMENT ON COLUMN core.report_parameters.required IS 'Whether the parameter must be given.';
