"""Roles that follow the identity provider's groups (RoleMapping), at sign-in and over SCIM.

Each source of groups (a sign-in provider's groups claim, SCIM Groups) records what it last
said about a person (ProviderGroup); the person's provider-managed roles are those that the
union of every source carries. A source only ever replaces its own word."""

from collections.abc import Iterable
from typing import Any

from django.contrib.auth.models import Group
from django.db import transaction

from governance import audit, roles
from governance.models import User
from governance.roles import Role
from identity.models import ProviderGroup, RoleMapping
from people.models import Employee

MAX_GROUP_NAME = 256


def _key(group: Any) -> str:
    return str(group).strip().casefold()


def provider_roles(groups: Iterable[str]) -> tuple[set[str], set[str]]:
    """(the roles these groups carry, the roles the provider manages at all).

    Group names compare case-insensitively and without surrounding spaces, because providers
    differ in how they spell the same group."""
    wanted = {_key(g) for g in groups if _key(g)}
    managed: set[str] = set()
    granted: set[str] = set()
    for group, role in RoleMapping.objects.values_list("group", "role"):
        managed.add(role)
        if _key(group) in wanted:
            granted.add(role)
    return granted, managed


def record_groups(employee: Employee, groups: Iterable[str], *, source: str) -> None:
    """Replace what ``source`` says ``employee`` is a member of."""
    names = {str(g).strip()[:MAX_GROUP_NAME] for g in groups if str(g).strip()}
    kept = ProviderGroup.objects.filter(employee=employee, source=source)
    kept.exclude(name__in=names).delete()
    have = set(kept.values_list("name", flat=True))
    ProviderGroup.objects.bulk_create(
        [ProviderGroup(employee=employee, source=source, name=n) for n in sorted(names - have)], ignore_conflicts=True
    )


@transaction.atomic
def sync_roles(
    user: User, groups: Iterable[str], *, source: str, actor: Any = None, actor_label: str = ""
) -> tuple[set, set]:
    """Record that ``source`` puts ``user`` in ``groups``, then give ``user`` exactly the
    provider-managed roles that every source's groups together carry; roles that no mapping
    manages stay as admins granted them. Returns (added, removed) role names; audits any change.

    An inactive account (deprovisioned) gains nothing."""
    groups = list(groups)
    employee = roles.employee_of(user)
    if employee is not None:
        record_groups(employee, groups, source=source)
        groups = list(ProviderGroup.objects.filter(employee=employee).values_list("name", flat=True))
    return apply_roles(user, groups, actor=actor, actor_label=actor_label)


@transaction.atomic
def sync_employee_groups(employee: Employee, groups: Iterable[str], *, source: str, actor_label: str = "") -> None:
    """``sync_roles`` for an employee record, with or without an account yet: an account linked
    later takes these groups' roles at its first sign-in."""
    record_groups(employee, groups, source=source)
    user = employee.user
    if user is not None:
        everything = ProviderGroup.objects.filter(employee=employee).values_list("name", flat=True)
        apply_roles(user, list(everything), actor_label=actor_label)


def _follow_admin_role(user: User, added: set, removed: set) -> None:
    """The governance admin role works in Django's admin (providers, role mappings, the catalog),
    which needs ``is_staff``: it comes with the role from the provider and goes with it."""
    if Role.GOVERNANCE_ADMIN in added and not user.is_staff:
        user.is_staff = True
        user.save(update_fields=["is_staff"])
    elif Role.GOVERNANCE_ADMIN in removed and user.is_staff and not user.is_superuser:
        user.is_staff = False
        user.save(update_fields=["is_staff"])


def apply_roles(user: User, groups: Iterable[str], *, actor: Any = None, actor_label: str = "") -> tuple[set, set]:
    groups = list(groups)
    granted, managed = provider_roles(groups)
    if not user.is_active:
        granted = set()
    current = set(user.groups.filter(name__in=managed).values_list("name", flat=True))
    added, removed = granted - current, (current & managed) - granted
    if added:
        user.groups.add(*[Group.objects.get_or_create(name=name)[0] for name in sorted(added)])
    if removed:
        user.groups.remove(*Group.objects.filter(name__in=removed))
    if added or removed:
        user.__dict__.pop("_role_groups", None)  # governance.roles caches a user's groups
        _follow_admin_role(user, added, removed)
        audit.record(
            actor=actor,
            actor_label=actor_label,
            action="account.roles_synced",
            obj=user,
            before={"roles": sorted(current)},
            after={"roles": sorted((current - removed) | added), "groups": sorted({str(g) for g in groups})},
        )
    return added, removed
