from governance import roles


def navigation(request):
    """What the navigation bar shows: one entry per page the signed-in role may open."""
    user = request.user
    if not user.is_authenticated:
        return {}
    return {
        "nav": {
            "employee": roles.employee_of(user) is not None,
            "manager": roles.is_manager(user),
            "officer": roles.is_compliance_officer(user),
            "admin": roles.is_governance_admin(user),
        }
    }
