"""Departments named in free text (an identity provider's ``department`` attribute).

HR systems send department codes; identity providers send whatever their directory holds,
usually a name. A name is never a reason to refuse a person: it maps to the department with
that code, else to the only department with that name, else to a department of that name
under the "Unassigned" root, created on first use for an admin to place in the tree
(people.services.paths.move_department) or to merge.
"""

import hashlib

from people.models import Department
from people.services.hr.rows import Data

UNASSIGNED_CODE = "unassigned"
UNASSIGNED_NAME = "Unassigned"
MAX_NAME = 200


def unassigned_code_for(name: str) -> str:
    """The stable code of the department created for an unknown ``name`` (case and spacing ignored)."""
    key = " ".join(name.split()).casefold()
    return f"{UNASSIGNED_CODE}-{hashlib.sha256(key.encode()).hexdigest()[:16]}"


def department_for_text(text: str) -> tuple[str, list[tuple[int, Data]]]:
    """(the code ``text`` names, the department rows upsert_people must create for it first).

    ``text`` is already checked for control characters and stripped; at most 200 characters."""
    if found := Department.objects.filter(code=text).values_list("code", flat=True).first():
        return found, []
    codes = list(Department.objects.filter(name__iexact=text).values_list("code", flat=True)[:2])
    if len(codes) == 1:
        return codes[0], []
    code = unassigned_code_for(text)
    # Two departments share the name: the one under Unassigned (if any) is this name's.
    if Department.objects.filter(code=code).exists():
        return code, []
    rows: list[tuple[int, Data]] = []
    if not Department.objects.filter(code=UNASSIGNED_CODE).exists():
        rows.append((0, {"code": UNASSIGNED_CODE, "name": UNASSIGNED_NAME, "parent": None}))
    rows.append((1, {"code": code, "name": text, "parent": UNASSIGNED_CODE}))
    return code, rows
