"""SCIM Groups: the identity provider's groups and their members, and the roles they carry.

A group's name is what identity.models.RoleMapping maps to a role; every change of a group's
members or name re-applies identity.services.roles.sync_employee_groups to the accounts of the
employees it touches, so removing a member (or the group) removes the role."""

from django.db import transaction

from governance.validators import parse_id
from identity.services.roles import sync_employee_groups
from integrations.models import ScimGroup
from integrations.scim.resources import ScimError, clean_text, live_employees, meta, scim_of
from integrations.scim.schemas import CORE_GROUP, base_url
from people.models import Employee

SOURCE = "scim"  # what SCIM Groups say, beside what each sign-in says (identity.services.roles)


def group_location(group):
    return f"{base_url()}/Groups/{group.pk}"


def to_scim_group(group, *, members=True):
    """The SCIM Group (prefetch ``members`` unless ``members`` is False: excludedAttributes=members)."""
    resource = {"schemas": [CORE_GROUP], "id": str(group.pk)}
    if group.external_id:
        resource["externalId"] = group.external_id
    resource["displayName"] = group.display_name
    if members:
        listed = sorted((m for m in group.members.all() if _visible(m)), key=lambda m: m.pk)
        if listed:
            resource["members"] = [
                {"value": str(m.pk), "$ref": f"{base_url()}/Users/{m.pk}", "type": "User"} for m in listed
            ]
    resource["meta"] = meta("Group", group, group_location(group))
    return resource


def _visible(employee):
    scim = scim_of(employee)
    return scim is None or scim.deleted_at is None


def group_queryset(*, members=True):
    groups = ScimGroup.objects.all()
    if members:
        groups = groups.prefetch_related("members__scim")
    return groups


class GroupChange:
    """A full SCIM Group (validated by the scim2-models class) as columns and member ids."""

    def __init__(self, resource):
        self.display_name = clean_text(resource.get("displayName"), "displayName")
        if not self.display_name:
            raise ScimError(400, "displayName is required.", "invalidValue")
        self.external_id = clean_text(resource.get("externalId"), "externalId") or ""
        values = [clean_text(m.get("value"), "members.value") for m in resource.get("members") or []]
        ids = {parse_id(v) for v in values if v}
        found = set(live_employees().filter(pk__in=ids - {None}).values_list("pk", flat=True))
        unknown = [v for v in values if parse_id(v) not in found]
        if unknown:
            raise ScimError(400, f"No User {', '.join(sorted(set(unknown)))} (members are Users).", "invalidValue")
        self.member_ids = found


@transaction.atomic
def save_group(change: GroupChange, *, group=None, actor_label=""):
    """Create or replace a group; members who joined or left (or all, on a rename) get their roles re-applied."""
    taken = ScimGroup.objects.filter(display_name__iexact=change.display_name)
    if group is not None:
        taken = taken.exclude(pk=group.pk)
    if taken.exists():
        raise ScimError(409, f"A Group with displayName {change.display_name!r} exists.", "uniqueness")
    before = set(group.members.values_list("pk", flat=True)) if group is not None else set()
    renamed = group is not None and group.display_name != change.display_name
    if group is None:
        group = ScimGroup.objects.create(display_name=change.display_name, external_id=change.external_id)
    else:
        group.display_name, group.external_id = change.display_name, change.external_id
        group.save()
    group.members.set(change.member_ids)
    touched = (before | change.member_ids) if renamed else (before ^ change.member_ids)
    sync_member_roles(touched, actor_label=actor_label)
    return group


@transaction.atomic
def delete_group(group, *, actor_label=""):
    members = set(group.members.values_list("pk", flat=True))
    group.delete()
    sync_member_roles(members, actor_label=actor_label)


def sync_member_roles(employee_ids, *, actor_label=""):
    """Give each of these employees' accounts exactly the roles their SCIM groups carry."""
    if not employee_ids:
        return
    employees = Employee.objects.filter(pk__in=employee_ids).select_related("user").prefetch_related("scim_groups")
    for employee in employees:
        names = [g.display_name for g in employee.scim_groups.all()]
        sync_employee_groups(employee, names, source=SOURCE, actor_label=actor_label)
