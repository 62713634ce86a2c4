"""The kernel's models: sign-in accounts (AUTH_USER_MODEL) and the audit log."""

from django.conf import settings
from django.contrib.auth.base_user import AbstractBaseUser, BaseUserManager
from django.contrib.auth.models import PermissionsMixin
from django.db import models
from django.db.models.functions import Lower
from django.utils import timezone


class UserManager(BaseUserManager):
    use_in_migrations = True

    @classmethod
    def normalize_login(cls, email):
        """The one spelling of a login e-mail: surrounding space dropped, lower-case.

        Accounts are stored, looked up at sign-in and counted by the lockout under this form."""
        return cls.normalize_email(str(email).strip()).lower()

    def _create(self, email, password, **extra):
        if not email:
            raise ValueError("An e-mail address is required.")
        user = self.model(email=self.normalize_login(email), **extra)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_user(self, email, password=None, **extra):
        extra.setdefault("is_staff", False)
        extra.setdefault("is_superuser", False)
        return self._create(email, password, **extra)

    def create_superuser(self, email, password=None, **extra):
        extra.update(is_staff=True, is_superuser=True)
        return self._create(email, password, **extra)

    def get_by_natural_key(self, username):
        return self.get(email__iexact=self.normalize_login(username))


class User(AbstractBaseUser, PermissionsMixin):
    """A sign-in account. The e-mail address is the login name and links it to an Employee."""

    email = models.EmailField(unique=True)
    full_name = models.CharField(max_length=200, blank=True)
    is_active = models.BooleanField(default=True)
    is_staff = models.BooleanField(default=False, help_text="May sign in to the Django admin.")
    date_joined = models.DateTimeField(default=timezone.now)

    objects = UserManager()

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS = []

    class Meta:
        constraints = [models.UniqueConstraint(Lower("email"), name="user_email_ci_unique")]

    def __str__(self):
        return self.email

    def save(self, *args, **kwargs):
        self.email = self.email.lower()
        super().save(*args, **kwargs)

    def get_full_name(self):
        return self.full_name or self.email

    def get_short_name(self):
        return self.full_name.split(" ")[0] if self.full_name else self.email


# How pages name an audit event's action; the stored action stays the machine name.
ACTION_PHRASES = {
    "account.created": "Account created",
    "account.deprovisioned": "Account deprovisioned",
    "account.roles_synced": "Roles synchronized",
    "account.sign_in_refused": "Sign-in refused",
    "account.signed_in": "Signed in",
    "api_key.created": "API key created",
    "api_key.revoked": "API key revoked",
    "attestation.submitted": "Attestation submitted",
    "catalog.loaded": "Catalog loaded",
    "catalog.platform.created": "Platform added",
    "catalog.platform.updated": "Platform details changed",
    "catalog.setting.created": "Setting added",
    "catalog.setting.revised": "Setting changed (people confirm it again)",
    "catalog.setting.updated": "Setting details changed",
    "catalog.setting.verified": "Setting verified",
    "catalog.platform.verified": "Platform verified",
    "department.moved": "Department moved",
    "employee.account_linked": "Account linked to the employee",
    "employee.created_just_in_time": "Employee created at first sign-in",
    "employee.email_changed": "E-mail address changed",
    "employee.rekeyed": "HR id changed",
    "employees.upserted": "Employees imported from HR",
    "exception.approved": "Exception approved",
    "exception.denied": "Exception denied",
    "exception.requested": "Exception requested",
    "exceptions.expired": "Exceptions expired",
    "identity.link_approved": "Sign-in link approved",
    "identity.link_refused": "Sign-in link refused",
    "identity.link_requested": "Sign-in link requested",
    "identity.subject_linked": "Single sign-on identity linked",
    "obligations.reopened_for_setting": "Obligations reopened for a changed setting",
    "obligations.rescoped": "Obligations rescoped",
    "policy.acknowledged": "Policy acknowledged",
    "policy.created": "Policy created",
    "policy_version.deleted": "Draft deleted",
    "policy_version.drafted": "Draft created",
    "policy_version.edited": "Version edited",
    "policy_version.published": "Version published",
    "policy_version.retired": "Version retired",
    "rule.added": "Rule added",
    "rule.edited": "Rule edited",
    "rule.removed": "Rule removed",
    "rule.setting_removed": "Required setting removed",
    "rule.setting_required": "Setting required",
}


def action_phrase(action: str) -> str:
    """A human phrase for an audit action; an action without one reads as its words."""
    if action in ACTION_PHRASES:
        return ACTION_PHRASES[action]
    words = action.replace(".", " ").replace("_", " ").strip()
    return words[:1].upper() + words[1:]


class AuditEvent(models.Model):
    """Who changed what and when, with the state before and after. Written by services."""

    at = models.DateTimeField(auto_now_add=True, db_index=True)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL)
    actor_label = models.CharField(max_length=200, blank=True, help_text="API key or job name when no user acted.")
    action = models.CharField(max_length=64, db_index=True)
    object_type = models.CharField(max_length=64)
    object_id = models.CharField(max_length=64)
    before = models.JSONField(null=True, blank=True)
    after = models.JSONField(null=True, blank=True)

    class Meta:
        ordering = ["-at", "-id"]
        indexes = [models.Index(fields=["object_type", "object_id"], name="audit_object")]

    def __str__(self):
        return f"{self.at:%Y-%m-%d %H:%M} {self.action} {self.object_type}#{self.object_id}"

    @property
    def action_phrase(self) -> str:
        return action_phrase(self.action)
