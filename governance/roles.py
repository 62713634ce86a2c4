"""Roles and what each may do: the one place where permission checks live.

Views (mixins and decorators below) and the API (integrations.api.permissions) both call
these functions, so a rule changes in one place.
"""

from functools import wraps

from django.contrib.auth.mixins import AccessMixin
from django.core.exceptions import PermissionDenied
from django.urls import reverse


class Role:
    EMPLOYEE = "employee"
    COMPLIANCE_OFFICER = "compliance officer"
    GOVERNANCE_ADMIN = "governance admin"

    GROUPS = (EMPLOYEE, COMPLIANCE_OFFICER, GOVERNANCE_ADMIN)


def _groups(user):
    if not user.is_authenticated:
        return frozenset()
    cached = getattr(user, "_role_groups", None)
    if cached is None:
        cached = frozenset(user.groups.values_list("name", flat=True))
        user._role_groups = cached
    return cached


def is_governance_admin(user):
    return user.is_authenticated and (user.is_superuser or Role.GOVERNANCE_ADMIN in _groups(user))


def is_compliance_officer(user):
    """Officers and admins read everything and decide exceptions."""
    return is_governance_admin(user) or Role.COMPLIANCE_OFFICER in _groups(user)


def is_privileged(user):
    """Staff, superusers, compliance officers and governance admins: accounts that HR data
    never links by itself and that a one-click sign-in link never opens (password or SSO only)."""
    return user.is_authenticated and (user.is_staff or user.is_superuser or is_compliance_officer(user))


def employee_of(user):
    """The Employee record linked to this account, or None."""
    if not user.is_authenticated:
        return None
    try:
        return user.employee
    except user.__class__.employee.RelatedObjectDoesNotExist:
        return None


def is_manager(user):
    """A manager is anyone with at least one active report."""
    employee = employee_of(user)
    return employee is not None and employee.reports.exclude(status="terminated").exists()


def can_view_employee(user, employee):
    """Officers see everyone; a manager their direct and indirect reports; anyone themself."""
    if is_compliance_officer(user):
        return True
    me = employee_of(user)
    if me is None:
        return False
    return me.pk == employee.pk or employee.reporting_path.startswith(me.subtree_prefix)


def home_url(user):
    if is_governance_admin(user):
        return reverse("policies:list")
    if is_compliance_officer(user):
        return reverse("dashboard")
    if is_manager(user):
        return reverse("team")
    return reverse("me")


class RoleRequiredMixin(AccessMixin):
    """Class-based views: sign-in required, then ``role_check(user)`` must hold (else 403)."""

    role_check = None

    def dispatch(self, request, *args, **kwargs):
        if not request.user.is_authenticated:
            return self.handle_no_permission()
        if self.role_check is not None and not type(self).role_check(request.user):
            raise PermissionDenied
        return super().dispatch(request, *args, **kwargs)


class AdminRequiredMixin(RoleRequiredMixin):
    role_check = is_governance_admin


def role_required(check):
    """Function views: ``@role_required(is_compliance_officer)``; sign-in first, then 403."""

    def decorator(view):
        @wraps(view)
        def wrapper(request, *args, **kwargs):
            if not request.user.is_authenticated:
                from django.contrib.auth.views import redirect_to_login

                return redirect_to_login(request.get_full_path())
            if not check(request.user):
                raise PermissionDenied
            return view(request, *args, **kwargs)

        return wrapper

    return decorator
