{#- Every cross-check with the stated value, the computed value, the tolerance and the verdict: the
    checks between claims first, then each fact against its own interval. -#}
SELECT c.check_id,
       c.check_kind,
       c.fact_id,
       c.stated_value,
       c.computed_value,
       c.tolerance,
       c.verdict,
       c.description,
       c.unit,
       c.stated_interval,
       c.check_scope
FROM cross_checks AS c
WHERE 1 = 1
{% if check_kind is not none %}
  AND c.check_kind = $check_kind
{% endif %}
{% if verdict != 'all' %}
  AND c.verdict = $verdict
{% endif %}
{% if scope != 'all' %}
  AND c.check_scope = $scope
{% endif %}
ORDER BY c.check_scope, c.check_kind, c.check_id
