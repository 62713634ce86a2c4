"""How people prove who they are: the sign-in policy, and which identity-provider groups
carry the product's roles.

The identity providers themselves (OpenID Connect issuers, SAML IdPs, their client ids and
secrets) are django-allauth's ``SocialApp`` rows, configured by governance admins in the admin.
"""

from django.db import models

from governance.roles import Role


class RoleMapping(models.Model):
    """Members of ``group`` at the identity provider hold ``role`` here.

    ``group`` is what the provider sends: an OIDC ``groups`` claim value, a SAML group
    attribute value, or a SCIM Group's ``displayName``. A role with at least one mapping is
    managed by the provider: sign-in and SCIM grant it to the group's members and take it
    from everyone else. A role with no mapping stays as admins grant it by hand."""

    class MappedRole(models.TextChoices):
        COMPLIANCE_OFFICER = Role.COMPLIANCE_OFFICER, "Compliance officer"
        GOVERNANCE_ADMIN = Role.GOVERNANCE_ADMIN, "Governance admin"

    group = models.CharField(max_length=256, help_text="The group's name as the identity provider sends it.")
    role = models.CharField(max_length=32, choices=MappedRole.choices)

    class Meta:
        constraints = [models.UniqueConstraint("group", "role", name="identity_rolemapping_group_role_unique")]
        ordering = ["role", "group"]

    def __str__(self):
        return f"{self.group} → {self.get_role_display()}"
