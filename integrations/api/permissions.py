"""Who may call which endpoint: API keys by scope, signed-in people by role.

A view declares ``read_scope`` (safe methods) and ``write_scope`` (the others). A key needs
that scope; a signed-in person needs the matching role from governance.roles: compliance
officers read, governance admins write. Views that let employees read their own records
check that per object (governance.roles.can_view_employee).
"""

from rest_framework.permissions import SAFE_METHODS, BasePermission

from governance.roles import is_compliance_officer, is_governance_admin
from integrations.models import ApiKey, Scope

DEFAULT_READ_SCOPE = Scope.COMPLIANCE_READ


def required_scope(view, method):
    scopes = getattr(view, "scopes_by_action", None) or {}
    action = getattr(view, "action", None)
    if action in scopes:
        return scopes[action]
    return view.read_scope if method in SAFE_METHODS else view.write_scope


def is_key_request(request):
    return isinstance(request.auth, ApiKey)


class ScopedPermission(BasePermission):
    """Keys: the endpoint's scope. People: officer to read, admin to write (or the view's own rule)."""

    message = "This API key does not hold the scope this endpoint needs."

    def has_permission(self, request, view):
        if not request.user or not request.user.is_authenticated:
            return False
        if not hasattr(view, request.method.lower()):
            return True  # the view answers 405 Method Not Allowed
        if not hasattr(view, "read_scope"):
            return self._undeclared(request)
        scope = required_scope(view, request.method)
        if is_key_request(request):
            if scope is None or not request.auth.has_scope(scope):
                self.message = f"This API key lacks the scope '{scope}'." if scope else self.message
                return False
            return True
        person_check = getattr(view, "person_permission", None)
        if person_check is not None:
            return person_check(request)
        if request.method in SAFE_METHODS:
            self.message = "Only compliance officers and governance admins may read this."
            return is_compliance_officer(request.user)
        self.message = "Only governance admins may change this."
        return is_governance_admin(request.user)

    def _undeclared(self, request):
        """Views that declare no scopes (the read-only catalog): every signed-in person reads
        them, as in the browser; a key needs ``compliance:read``; a key never writes."""
        if not is_key_request(request):
            return True
        if request.method not in SAFE_METHODS:
            return False
        self.message = f"This API key lacks the scope '{DEFAULT_READ_SCOPE}'."
        return request.auth.has_scope(DEFAULT_READ_SCOPE)
