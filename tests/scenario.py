"""The organizations tests run against, declared as data and built in one place.

A test module says what it needs as tables — the department tree, the people, the tools'
rules, the obligations in each state and how far from today each is due — and :func:`build`
makes the rows. The modules that only read their organization build it once for the whole
module with :func:`once_per_module` (each test then runs in a savepoint of that transaction,
as Django's ``setUpTestData`` does).
"""

import datetime
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

import pytest
from django.db import transaction

from attestations.models import Obligation, PolicyException
from tests.clock import noon_on
from tests.factories import DepartmentFactory, EmployeeFactory, ObligationFactory, ToolRuleFactory


@dataclass
class Org:
    """What :func:`build` made, by the keys the tables gave them."""

    departments: dict[str, Any] = field(default_factory=dict)
    people: dict[str, Any] = field(default_factory=dict)
    rules: dict[str, Any] = field(default_factory=dict)
    obligations: list[Any] = field(default_factory=list)

    def __getitem__(self, key: str) -> Any:
        for table in (self.departments, self.people, self.rules):
            if key in table:
                return table[key]
        raise KeyError(key)

    def as_dict(self) -> dict[str, Any]:
        return {**self.departments, **self.rules, **self.people}


def build(
    *,
    today: datetime.date,
    departments: Iterable[tuple[str, str, str | None]] = (),
    rules: Mapping[str, Mapping[str, Any]] = (),  # type: ignore[assignment]
    people: Mapping[str, Mapping[str, Any]] = (),  # type: ignore[assignment]
    obligations: Iterable[tuple[str, str, str, int]] = (),
    closed: Iterable[tuple[Mapping[str, Any], str, str]] = (),
    exceptions: Iterable[Mapping[str, Any]] = (),
) -> Org:
    """Make the organization the tables describe.

    - ``departments``: (key, name, parent key or None), parents first;
    - ``rules``: key -> ToolRuleFactory arguments (or a rule made already);
      ``"same_version_as": key`` puts the rule under another rule's policy version;
    - ``people``: key -> EmployeeFactory arguments, ``department`` and ``manager`` as keys
      (a manager listed before their reports), or a person made already;
    - ``obligations``: (person, rule, status, days from today to the due date);
    - ``closed``: (EmployeeFactory arguments for a new person, rule, close reason): an
      obligation that is closed and so never counts;
    - ``exceptions``: PolicyException fields, ``employee`` and ``rule`` as keys.
    """
    org = Org()
    for key, name, parent in departments:
        org.departments[key] = DepartmentFactory(name=name, parent=org.departments[parent] if parent else None)
    for key, arguments in dict(rules).items():
        if not isinstance(arguments, Mapping):  # a rule made already
            org.rules[key] = arguments
            continue
        arguments = dict(arguments)
        if "same_version_as" in arguments:
            arguments["version"] = org.rules[arguments.pop("same_version_as")].version
        org.rules[key] = ToolRuleFactory(**arguments)
    for key, arguments in dict(people).items():
        made = not isinstance(arguments, Mapping)  # a person made already
        org.people[key] = arguments if made else EmployeeFactory(**_resolved(arguments, org))
    for person, rule, status, due_in in obligations:
        org.obligations.append(
            ObligationFactory(
                employee=org.people[person],
                rule=org.rules[rule],
                status=status,
                due_on=today + datetime.timedelta(days=due_in),
            )
        )
    for arguments, rule, reason in closed:
        obligation = ObligationFactory(employee=EmployeeFactory(**_resolved(arguments, org)), rule=org.rules[rule])
        closed_at = noon_on(today)  # the day the tables describe, whatever the clock says
        Obligation.objects.filter(pk=obligation.pk).update(closed_at=closed_at, close_reason=reason)
    for values in exceptions:
        values = dict(values)
        values["employee"], values["rule"] = org.people[values["employee"]], org.rules[values["rule"]]
        PolicyException.objects.create(**values)
    return org


def _resolved(arguments: Mapping[str, Any], org: Org) -> dict[str, Any]:
    resolved = dict(arguments)
    if isinstance(resolved.get("department"), str):
        resolved["department"] = org.departments[resolved["department"]]
    if isinstance(resolved.get("manager"), str):
        resolved["manager"] = org.people[resolved["manager"]]
    return resolved


def once_per_module(make: Any, *, today: datetime.date) -> Any:
    """A module-scoped fixture that builds ``make()`` once, with the clock on ``today``, in a
    transaction rolled back after the module's last test. For modules whose tests only read it:
    a test's own writes are undone by its savepoint, but the objects handed out are shared."""

    @pytest.fixture(scope="module")
    def fixture(django_db_setup: Any, django_db_blocker: Any) -> Iterator[Any]:
        import time_machine

        atomic = transaction.atomic()
        with django_db_blocker.unblock():
            atomic.__enter__()
            with time_machine.travel(noon_on(today), tick=False):
                built = make()
        try:
            yield built
        finally:
            with django_db_blocker.unblock():
                transaction.set_rollback(True)
                atomic.__exit__(None, None, None)

    return fixture


def fresh(objects: Mapping[str, Any]) -> dict[str, Any]:
    """The same rows re-read, so that a test changing one in memory leaves the next test's alone."""
    return {key: type(value).objects.get(pk=value.pk) for key, value in objects.items()}
