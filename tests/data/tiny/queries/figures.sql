SELECT f.fact_id, f.label, f.value, f.unit, f.year
FROM facts AS f
{% if unit != 'all' %}
WHERE f.unit = $unit
{% endif %}
ORDER BY f.value DESC, f.fact_id
