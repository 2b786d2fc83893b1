{#- Medal tallies per competition and delegation. A province's share of its national delegation's
    medals is an upper bound: provinces count a team medal once per athlete, the nation once. -#}
SELECT m.competition_id,
       m.competition,
       m.kind,
       m.edition,
       m.start_date,
       m.end_date,
       m.host,
       m.delegation,
       m.gold,
       m.silver,
       m.bronze,
       m.total,
       m.world_records,
       m.rank_gold,
       m.rank_total,
       CASE WHEN m.counting_basis = 'per_athlete' AND n.gold > 0
            THEN round(100.0 * m.gold / n.gold, 1) END AS share_of_national_gold,
       CASE WHEN m.counting_basis = 'per_athlete' AND n.total > 0
            THEN round(100.0 * m.total / n.total, 1) END AS share_of_national_total,
       CASE WHEN m.counting_basis = 'per_athlete' AND n.total > 0
            THEN 'upper bound: ' || m.delegation || ' counts team medals per athlete, '
                 || n.delegation || ' per event' END AS share_note,
       m.is_inferred,
       m.source_id
FROM medal_tallies AS m
LEFT JOIN medal_tallies AS n
       ON n.competition_id = m.competition_id
      AND n.counting_basis = 'per_event'
      AND n.delegation <> m.delegation
WHERE 1 = 1
{% if kind != 'all' %}
  AND m.kind = $kind
{% endif %}
{% if since is not none %}
  AND CAST(strftime(m.end_date, '%Y') AS INTEGER) >= $since
{% endif %}
{% if until is not none %}
  AND CAST(strftime(m.start_date, '%Y') AS INTEGER) <= $until
{% endif %}
{% if delegation is not none %}
  AND m.delegation = $delegation
{% endif %}
ORDER BY m.start_date, m.delegation
