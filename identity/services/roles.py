"""Roles that follow the identity provider's groups (RoleMapping), at sign-in and over SCIM."""

from collections.abc import Iterable
from typing import Any

from django.contrib.auth.models import Group
from django.db import transaction

from governance import audit
from governance.models import User
from identity.models import RoleMapping


def provider_roles(groups: Iterable[str]) -> tuple[set[str], set[str]]:
    """(the roles these groups carry, the roles the provider manages at all).

    Group names compare case-insensitively and without surrounding spaces, because providers
    differ in how they spell the same group."""
    wanted = {str(g).strip().casefold() for g in groups if str(g).strip()}
    managed: set[str] = set()
    granted: set[str] = set()
    for group, role in RoleMapping.objects.values_list("group", "role"):
        managed.add(role)
        if group.strip().casefold() in wanted:
            granted.add(role)
    return granted, managed


@transaction.atomic
def sync_roles(user: User, groups: Iterable[str], *, actor: Any = None, actor_label: str = "") -> tuple[set, set]:
    """Give ``user`` exactly the provider-managed roles their ``groups`` carry; leave roles that
    no mapping manages alone. Returns (added, removed) role names; audits any change.

    An inactive account (deprovisioned) gains nothing."""
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
        audit.record(
            actor=actor,
            actor_label=actor_label,
            action="account.roles_synced",
            obj=user,
            before={"roles": sorted(current)},
            after={"roles": sorted((current - removed) | added), "groups": sorted({str(g) for g in groups})},
        )
    return added, removed
