from django.shortcuts import render

from governance.roles import is_governance_admin, role_required
from policies.models import Policy


@role_required(is_governance_admin)
def policy_list(request):
    policies = Policy.objects.prefetch_related("versions")
    return render(request, "policies/policy_list.html", {"policies": policies})
