"""Shapes of SQL that more than one of compliance/sql's templates use: the statuses that need
action, and the people an employee UPDATE changed, read from its transition tables."""

ACTION = "('pending', 'noncompliant')"

# A statement trigger never joins its transition tables with each other: they have no
# statistics, so the planner guesses (and caches its guess for the session's later, larger
# statements) and a nested loop over two tables of 100,000 rows is quadratic. Each transition
# table is read once, tagged with its side, and grouped: one hashed (or sorted) pass, linear.
#
# Each person an employee UPDATE touched, with their old and new country, customer-data flag
# and manager side by side (grouped by id over both transition tables).
PEOPLE_SIDES = """
    SELECT id, max(country) FILTER (WHERE side < 0) AS old_country,
           max(country) FILTER (WHERE side > 0) AS new_country,
           bool_or(customer_data) FILTER (WHERE side < 0) AS old_customer_data,
           bool_or(customer_data) FILTER (WHERE side > 0) AS new_customer_data,
           max(manager_id) FILTER (WHERE side < 0) AS old_manager_id,
           max(manager_id) FILTER (WHERE side > 0) AS new_manager_id
    FROM (
        SELECT id, country, handles_customer_data AS customer_data, manager_id, -1 AS side FROM old_rows
        UNION ALL SELECT id, country, handles_customer_data, manager_id, 1 FROM new_rows
    ) AS sides
    GROUP BY id
"""
FACETS_CHANGED = "old_country IS DISTINCT FROM new_country OR old_customer_data IS DISTINCT FROM new_customer_data"
MANAGER_CHANGED = "old_manager_id IS DISTINCT FROM new_manager_id"
# People whose country or customer-data flag changed.
CHANGED_PEOPLE = f"""
    SELECT id, old_country, new_country, old_customer_data, new_customer_data
    FROM ({PEOPLE_SIDES}) AS people WHERE {FACETS_CHANGED}
"""
