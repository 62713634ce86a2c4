"""What the people app tells the apps above it (attestations re-scopes obligations)."""

from django.dispatch import Signal

# HR data created or changed employee records: what applies to them may have changed (their
# department, country, customer-data flag or status). Sent inside the transaction that wrote
# them, after the batch's reporting paths are written, so that listeners write in the same
# transaction. Arguments: employee_ids (list of Employee pks), actor (User or None).
employees_changed = Signal()

# Departments moved in the tree (a new parent): a rule scoped to a department covers its
# sub-departments, so what applies to the people of the moved subtrees may have changed. Sent
# inside the transaction that moved them, after the department paths are written. Arguments:
# department_ids (the moved departments' pks; their subtrees moved with them), actor.
departments_moved = Signal()
