"""How people prove who they are: the sign-in policy, and which identity-provider groups
carry the product's roles.

The identity providers themselves (OpenID Connect issuers, SAML IdPs, their client ids and
secrets) are django-allauth's ``SocialApp`` rows, configured by governance admins in the admin.
"""

from django.core.exceptions import ValidationError
from django.core.validators import RegexValidator
from django.db import models

from governance.roles import Role

claim_name = RegexValidator(r"^[A-Za-z0-9_:./#-]{1,200}$", "Letters, digits and _ : . / # - only.")


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


class ProviderGroup(models.Model):
    """A group an identity provider last said this person is in, by source: ``scim`` (SCIM
    Groups) or ``sso:<provider id>`` (the groups claim at their last sign-in). Roles follow
    the union of every source (identity.services.roles), so a provider whose sign-in sends no
    groups does not take away a role that SCIM grants, and the other way round."""

    employee = models.ForeignKey("people.Employee", on_delete=models.CASCADE, related_name="provider_groups")
    source = models.CharField(max_length=80)
    name = models.CharField(max_length=256)

    class Meta:
        constraints = [
            models.UniqueConstraint("employee", "source", "name", name="identity_providergroup_unique"),
        ]
        indexes = [models.Index(fields=["employee", "source"])]

    def __str__(self):
        return f"{self.name} ({self.source})"


class SignInPolicy(models.Model):
    """The organization's sign-in policy: one row (``SignInPolicy.current()``)."""

    password_sign_in = models.BooleanField(
        default=True,
        help_text="Off: everyone signs in with single sign-on; only break-glass accounts still use a password.",
    )
    break_glass_accounts = models.ManyToManyField(
        "governance.User",
        blank=True,
        related_name="+",
        help_text="Accounts that may sign in with their password while passwords are off (superusers always may).",
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = verbose_name_plural = "sign-in policy"

    def __str__(self):
        return "Passwords on" if self.password_sign_in else "Single sign-on only (break-glass passwords)"

    def save(self, *args, **kwargs):
        self.pk = 1
        super().save(*args, **kwargs)

    @classmethod
    def current(cls) -> "SignInPolicy":
        return cls.objects.get_or_create(pk=1)[0]


class ProviderOptions(models.Model):
    """What this product reads from one identity provider's tokens, and whom it lets in.

    ``provider_id`` is the allauth SocialApp's provider id (the part of the callback address,
    /sso/oidc/<provider id>/login/callback/). Providers fixed by the environment
    (``SSO_PROVIDERS``) carry the same options in their settings instead."""

    provider_id = models.CharField(max_length=200, unique=True, validators=[claim_name])
    email_claim = models.CharField(max_length=200, default="email", validators=[claim_name])
    employee_number_claim = models.CharField(
        max_length=200,
        default="employee_number",
        validators=[claim_name],
        help_text="The claim carrying the HR id (Employee external id), e.g. employee_number or employeeid.",
    )
    groups_claim = models.CharField(max_length=200, default="groups", validators=[claim_name])
    name_claim = models.CharField(max_length=200, default="name", validators=[claim_name])
    allowed_email_domains = models.TextField(
        blank=True, help_text="One domain per line (acme.com). Empty: any domain the provider vouches for."
    )
    just_in_time = models.BooleanField(
        default=False,
        help_text="Create an employee record and an account for a person HR does not list yet "
        "(verified e-mail in an allowed domain required).",
    )

    class Meta:
        verbose_name = verbose_name_plural = "provider options"

    def __str__(self):
        return self.provider_id

    def clean(self):
        if self.just_in_time and not self.allowed_email_domains.strip():
            raise ValidationError({"allowed_email_domains": "Just-in-time creation needs allowed e-mail domains."})


class PendingLink(models.Model):
    """A provider subject that would sign in as an account with rights beyond the employee
    pages: it waits for a governance admin to approve the link (admin action)."""

    class Status(models.TextChoices):
        PENDING = "pending", "Waiting for an admin"
        APPROVED = "approved", "Approved"
        REFUSED = "refused", "Refused"

    provider_id = models.CharField(max_length=200)
    uid = models.CharField("subject", max_length=255)
    user = models.ForeignKey("governance.User", on_delete=models.CASCADE, related_name="+")
    employee = models.ForeignKey("people.Employee", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    claims = models.JSONField(default=dict)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.PENDING)
    created_at = models.DateTimeField(auto_now_add=True)
    decided_at = models.DateTimeField(null=True, blank=True)
    decided_by = models.ForeignKey(
        "governance.User", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(
                "provider_id", "uid", condition=models.Q(status="pending"), name="identity_pendinglink_one_open"
            )
        ]
        ordering = ["-created_at"]

    def __str__(self):
        return f"{self.provider_id}:{self.uid} → {self.user}"
