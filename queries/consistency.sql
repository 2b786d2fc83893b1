{#- Every cross-check with the stated value, the computed value, the tolerance and the verdict. -#}
SELECT c.check_id,
       c.check_kind,
       c.fact_id,
       c.stated_value,
       c.computed_value,
       c.tolerance,
       c.verdict,
       c.description,
       c.unit,
       c.stated_interval
FROM cross_checks AS c
WHERE 1 = 1
{% if check_kind is not none %}
  AND c.check_kind = $check_kind
{% endif %}
{% if verdict != 'all' %}
  AND c.verdict = $verdict
{% endif %}
ORDER BY c.check_kind, c.check_id
