{#- The small tables a fact refers to, searched once each: every name and description of an
    indicator (with its unit and domain), a programme, a competition, a region and a source, one
    row per text with the field it fills. For each entry that holds some term: the weight of each
    term in it, the sum of the weights of the fields that hold it (a label's weight is lower the
    longer the label is, as BM25 normalises a field by its length), and whether a field of weight
    $strong or more holds it (a description or a source's title alone does not say what a fact is
    about: every fact of an article shares the article's title). -#}
{% from "match.sql" import holds, ordinal %}
WITH texts AS (
    SELECT 'indicator' AS kind, i.indicator_id AS key,
           unnest(['label', 'population', 'indicator', 'about', 'unit', 'domain', 'about']) AS field,
           unnest([i.label_en, i.population, replace(i.indicator_id, '_', ' '), i.description,
                   u.label || ' ' || replace(u.unit_id, '_', ' '),
                   d.name_en || ' ' || replace(d.domain_id, '_', ' '), d.description]) AS text
    FROM core.indicators AS i
    JOIN core.units AS u USING (unit_id)
    JOIN core.domains AS d USING (domain_id)
    UNION ALL
    SELECT 'programme', p.programme_id,
           unnest(['programme', 'about']),
           -- a group of programmes ("key projects, including ...") is found by its members' names too
           unnest([concat_ws(' ', p.name_en, replace(p.programme_id, '_', ' '), p.name_zh, p.name_zh_official, m.names),
                   p.description])
    FROM core.programmes AS p
    LEFT JOIN (SELECT part_of_programme_id AS programme_id,
                      string_agg(concat_ws(' ', name_en, name_zh, name_zh_official), ' ') AS names
               FROM core.programmes
               GROUP BY part_of_programme_id) AS m USING (programme_id)
    UNION ALL
    SELECT 'competition', c.competition_id, 'competition',
           concat_ws(' ', c.name_en, c.official_name_en, replace(c.kind, '_', ' '),
                     {{ ordinal("c.edition") }}, c.joint_event,
                     {{ ordinal("c.joint_event_edition") }} || ' ' || c.joint_event,
                     year(c.start_date), year(c.end_date), h.names)
    FROM core.competitions AS c
    LEFT JOIN (SELECT h.competition_id, string_agg(r.name_en || coalesce(' ' || r.name_zh, ''), ' ') AS names
               FROM core.competition_hosts AS h JOIN core.regions AS r USING (region_id)
               GROUP BY h.competition_id) AS h USING (competition_id)
    UNION ALL
    SELECT 'region', r.region_id, 'region', concat_ws(' ', r.name_en, r.name_zh, replace(r.region_id, '_', ' '))
    FROM core.regions AS r
    UNION ALL
    SELECT 'source', s.source_id, 'source', concat_ws(' ', s.title, s.publisher) FROM core.sources AS s
),
weighted AS (
    SELECT kind, key, field, text,
           list_extract($field_weights, list_position($fields, field))
           / CASE WHEN field = 'label'
                  THEN 1 - $label_b + $label_b * n_words / avg(n_words) OVER (PARTITION BY field)
                  ELSE 1 END AS weight
    FROM (SELECT *, len(string_split(text, ' ')) AS n_words FROM texts WHERE text IS NOT NULL)
),
held AS (
    SELECT kind, key, weight,
           [{% for t in terms %}{{ holds("text", t) }}{{ ", " if not loop.last }}{% endfor %}] AS hits
    FROM weighted
),
entries AS (
    SELECT kind, key,
           [{% for t in terms %}sum(weight * hits[{{ t.n }}]::INTEGER){{ ", " if not loop.last }}{% endfor %}] AS weights,
           [{% for t in terms %}bool_or(hits[{{ t.n }}] AND weight >= $strong){{ ", " if not loop.last }}{% endfor %}]
               AS strong
    FROM held
    GROUP BY kind, key
)
SELECT kind, key, weights, strong FROM entries WHERE list_max(weights) > 0 ORDER BY kind, key
