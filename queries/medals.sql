{#- Medal tallies per competition and delegation. A province's share of its national delegation's
    medals is exact only if both count a team medal the same way; no source says how the
    province counts, so share_note says the basis of each side. -#}
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
       CASE WHEN n.gold > 0 THEN round(100.0 * m.gold / n.gold, 1) END AS share_of_national_gold,
       CASE WHEN n.total > 0 THEN round(100.0 * m.total / n.total, 1) END AS share_of_national_total,
       CASE WHEN n.total > 0
            THEN 'counting basis of ' || m.delegation || ': ' || replace(m.counting_basis, '_', ' ')
                 || CASE m.counting_basis_status WHEN 'unknown' THEN '' ELSE ' (' || m.counting_basis_status || ')' END
                 || '; of ' || n.delegation || ': ' || replace(n.counting_basis, '_', ' ')
                 || CASE n.counting_basis_status WHEN 'unknown' THEN '' ELSE ' (' || n.counting_basis_status || ')' END
                 || CASE WHEN m.counting_basis_status = 'unknown' OR n.counting_basis_status = 'unknown'
                              OR m.counting_basis <> n.counting_basis
                         THEN '; the share is exact only if both count a team medal the same way, which is unknown'
                         ELSE '' END END AS share_note,
       m.is_inferred,
       m.source_id,
       m.comparison_note
FROM medal_tallies AS m
LEFT JOIN (SELECT t.* FROM medal_tallies AS t JOIN regions AS r ON r.region = t.delegation AND r.level = 'country') AS n
       ON n.competition_id = m.competition_id
      AND n.delegation <> m.delegation
WHERE 1 = 1
{% if kind != 'all' %}
  AND m.kind = $kind
{% endif %}
{% if since is not none %}
  AND year(m.end_date) >= $since
{% endif %}
{% if until is not none %}
  AND year(m.start_date) <= $until
{% endif %}
{% if delegation is not none %}
  AND m.delegation = $delegation
{% endif %}
ORDER BY m.start_date, m.delegation
