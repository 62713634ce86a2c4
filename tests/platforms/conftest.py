import pytest

from governance.roles import Role


@pytest.fixture
def staff_admin(make_user):
    """A governance admin who may open the Django admin."""
    return make_user(Role.GOVERNANCE_ADMIN, is_staff=True)
