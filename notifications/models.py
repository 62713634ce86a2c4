"""What the mail jobs keep: one row per mail sent (or claimed), and the used sign-in links."""

from django.db import models


class NotificationLog(models.Model):
    """One row per (recipient, kind, day): the record that decides whether a mail was sent.

    A job claims a row (state claimed) before sending and marks it sent after; a second run,
    a second worker or a retry finds the row and sends nothing, except a claim left unsent
    past a timeout (the worker died between claim and send), which a retry may take over.
    """

    class Kind(models.TextChoices):
        REMINDER = "reminder", "Reminder digest"
        ESCALATION = "escalation", "Manager escalation"
        OFFICER_SUMMARY = "officer_summary", "Weekly officer summary"
        REPORT_READY = "report_ready", "Report ready"

    class State(models.TextChoices):
        CLAIMED = "claimed", "Claimed"
        SENT = "sent", "Sent"
        FAILED = "failed", "Failed (retried next run)"

    recipient = models.ForeignKey("people.Employee", on_delete=models.PROTECT, related_name="notifications")
    kind = models.CharField(max_length=32, choices=Kind.choices)
    day = models.DateField()
    state = models.CharField(max_length=16, choices=State.choices, default=State.CLAIMED)
    claimed_at = models.DateTimeField()
    claimed_by = models.CharField(max_length=200, blank=True, help_text="Worker / task id that claimed it.")
    sent_at = models.DateTimeField(null=True, blank=True)
    attempts = models.PositiveIntegerField(default=0)
    last_error = models.TextField(blank=True)
    # What the mail listed (obligation ids, report id...), for the person page and audits.
    payload = models.JSONField(default=dict, blank=True)

    class Meta:
        db_table = "governance_notificationlog"
        ordering = ["-day", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["recipient", "kind", "day"], name="one_notification_per_recipient_kind_day")
        ]
        indexes = [models.Index(fields=["day", "kind", "state"], name="notification_day_kind_state")]

    def __str__(self):
        return f"{self.kind} to {self.recipient_id} on {self.day} ({self.state})"


class LoginLinkUse(models.Model):
    """A one-click sign-in link that has been used; a second use of the same link is refused.

    Rows are only ever added (see notifications.magic_links).
    """

    nonce = models.CharField(max_length=64, unique=True)
    employee = models.ForeignKey("people.Employee", on_delete=models.CASCADE, related_name="+")
    used_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        db_table = "governance_loginlinkuse"

    def __str__(self):
        return f"Login link {self.nonce[:8]} used {self.used_at:%Y-%m-%d %H:%M}"
