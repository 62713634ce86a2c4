"""The kernel's models: sign-in accounts (AUTH_USER_MODEL) and the audit log."""

from django.conf import settings
from django.contrib.auth.base_user import AbstractBaseUser, BaseUserManager
from django.contrib.auth.models import PermissionsMixin
from django.db import models
from django.db.models.functions import Lower
from django.utils import timezone

from governance.audit_actions import action_phrase


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

    @property
    def action_phrase(self) -> str:
        """The action as pages show it (governance.audit_actions)."""
        return action_phrase(self.action)

    def __str__(self):
        return f"{self.at:%Y-%m-%d %H:%M} {self.action} {self.object_type}#{self.object_id}"


class OutboxMessage(models.Model):
    """A task to hand to Celery, written in the transaction of the change that causes it.

    The change and its follow-up work commit together or not at all. After the commit the
    message is handed to the broker, best effort; whatever the broker did not take, or took and
    lost (Redis keeps nothing on disk), the periodic sweep hands over again until the task has
    run. Tasks sent this way are idempotent, so a second hand-over never does the work twice.
    """

    task = models.CharField(max_length=200, help_text="The registered Celery task name.")
    args = models.JSONField(default=list, blank=True)
    kwargs = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    available_at = models.DateTimeField(default=timezone.now, help_text="Not to run before this moment.")
    handed_over_at = models.DateTimeField(null=True, blank=True)
    hand_overs = models.PositiveIntegerField(default=0)
    started_at = models.DateTimeField(null=True, blank=True)
    runs = models.PositiveIntegerField(default=0)
    done_at = models.DateTimeField(null=True, blank=True)
    given_up_at = models.DateTimeField(null=True, blank=True)
    last_error = models.TextField(blank=True)

    class Meta:
        indexes = [
            models.Index(
                fields=["available_at"],
                name="outbox_waiting",
                condition=models.Q(done_at__isnull=True, given_up_at__isnull=True),
            )
        ]

    def __str__(self):
        return f"{self.task} #{self.pk}"

    @property
    def state(self) -> str:
        if self.done_at:
            return "done"
        if self.given_up_at:
            return "given up"
        if self.started_at:
            return "running"
        return "handed over" if self.handed_over_at else "waiting"


class Job(models.Model):
    """A long operation a person started and can watch: publishing a policy version, retiring
    one, ... (``governance.jobs``). It runs in a worker, all or nothing, and says how far it got,
    what it did and, when it failed, why."""

    class Status(models.TextChoices):
        QUEUED = "queued", "Queued"
        RUNNING = "running", "Running"
        DONE = "done", "Done"
        FAILED = "failed", "Failed"

    ACTIVE = (Status.QUEUED, Status.RUNNING)

    kind = models.CharField(max_length=64, help_text="The registered job, e.g. attestations.publish.")
    key = models.CharField(max_length=200, help_text="What it acts on; one active job per kind and key.")
    title = models.CharField(max_length=300)
    params = models.JSONField(default=dict, blank=True)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.QUEUED, db_index=True)
    progress = models.PositiveSmallIntegerField(default=0)
    step = models.CharField(max_length=300, blank=True, help_text="What it is doing now.")
    result = models.JSONField(default=dict, blank=True)
    message = models.TextField(blank=True, help_text="What it did, or why it failed, in words.")
    error = models.TextField(blank=True, help_text="The technical error of a failed job (for the admin).")
    return_url = models.CharField(max_length=500, blank=True)
    return_label = models.CharField(max_length=200, blank=True, help_text="The link's words, e.g. 'See version 2'.")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL)
    created_at = models.DateTimeField(default=timezone.now)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    attempts = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["kind", "key"],
                condition=models.Q(status__in=["queued", "running"]),
                name="job_one_active_per_kind_and_key",
            ),
            models.CheckConstraint(condition=models.Q(progress__lte=100), name="job_progress_at_most_100"),
        ]

    def __str__(self):
        return self.title

    @property
    def finished(self) -> bool:
        return self.status in (self.Status.DONE, self.Status.FAILED)
