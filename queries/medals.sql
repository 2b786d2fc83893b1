{#- Medal tallies per competition and delegation. A province's tally within its national delegation is
    part of that delegation's (part_of_delegation); its share of the whole is computed here from the
    tallies and shown beside the share a source states, where one does. The share is exact only if
    both count a team medal the same way; no source says how the province counts, so share_note
    says the basis of each side. -#}
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
       CASE WHEN w.gold > 0 THEN round(100.0 * m.gold / w.gold, 1) END AS share_of_national_gold,
       m.stated_share_of_gold AS share_of_national_gold_stated,
       CASE WHEN w.total > 0 THEN round(100.0 * m.total / w.total, 1) END AS share_of_national_total,
       m.stated_share_of_total AS share_of_national_total_stated,
       CASE WHEN w.total > 0
            THEN 'computed from the tallies'
                 || CASE WHEN m.stated_share_of_gold IS NOT NULL OR m.stated_share_of_total IS NOT NULL
                         THEN ', beside the shares ' || m.source_id || ' states' ELSE '' END
                 || '; counting basis of ' || m.delegation || ': ' || replace(m.counting_basis, '_', ' ')
                 || CASE m.counting_basis_status WHEN 'unknown' THEN '' ELSE ' (' || m.counting_basis_status || ')' END
                 || '; of ' || w.delegation || ': ' || replace(w.counting_basis, '_', ' ')
                 || CASE w.counting_basis_status WHEN 'unknown' THEN '' ELSE ' (' || w.counting_basis_status || ')' END
                 || CASE WHEN m.counting_basis_status = 'unknown' OR w.counting_basis_status = 'unknown'
                              OR m.counting_basis <> w.counting_basis
                         THEN '; the share is exact only if both count a team medal the same way, which is unknown'
                         ELSE '' END END AS share_note,
       m.is_inferred,
       m.source_id,
       m.total_is_stated,
       m.part_of_delegation,
       m.medal_table,
       m.comparison_note
FROM medal_tallies AS m
LEFT JOIN medal_tallies AS w
       ON w.competition_id = m.competition_id
      AND w.delegation = m.part_of_delegation
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
