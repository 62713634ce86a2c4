"""Materializing obligations from published policy versions (the policies feature owns this).

The functions below are the contract other features call; their bodies are filled in by
the policies feature.
"""


def rescope_employees(*, employee_ids, actor=None):
    """Bring the given employees' open obligations in line with the published policy versions:
    create the missing ones (new hire, moved into scope), close the ones out of scope
    (department or country move) and close all of a terminated employee's (kept for history).
    Set-based: a bounded number of queries whatever the number of employees.
    Returns a dict of counts: {"created": n, "closed": n}.
    """
    return {"created": 0, "closed": 0}
