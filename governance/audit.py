"""The audit log: who changed what and when, with the state before and after.

Every audit write goes through :func:`record` (or :func:`event` and :func:`record_many` for a
batch), so every event names its object the same way, and readers filter with the same name
(:func:`object_type`): a row is named by its model's ``app_label.model`` and its primary key; an
event about something that is not one row (an HR batch, a day's expiry, a catalog load) names
it with a :class:`Subject`. An actor that is not a saved user (a job, an API key, the loader)
is kept as ``actor_label``.
"""

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.db.models import Model, QuerySet

from governance.models import AuditEvent


@dataclass(frozen=True)
class Subject:
    """What an event is about when it is not one saved row: a type and an id, as stored."""

    type: str
    id: str

    @classmethod
    def row(cls, model: Any, pk: object) -> "Subject":
        """A row known only by its model and primary key (deleted, or not loaded)."""
        return cls(object_type(model), str(pk))


Target = Model | Subject


def object_type(model_or_instance: Model | type[Model]) -> str:
    """The name events use for a model's rows: ``app_label.model``."""
    return model_or_instance._meta.label_lower


def _target(obj: Target) -> tuple[str, str]:
    if isinstance(obj, Subject):
        return obj.type, str(obj.id)[:64]
    return object_type(obj), str(obj.pk)


def event(
    *,
    actor: Any = None,
    action: str,
    obj: Target,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
    actor_label: str = "",
) -> AuditEvent:
    """An unsaved event (for :func:`record_many`)."""
    type_, id_ = _target(obj)
    user = actor if getattr(actor, "pk", None) else None
    return AuditEvent(
        actor=user,
        actor_label=actor_label or ("" if user else "system"),
        action=action,
        object_type=type_,
        object_id=id_,
        before=before,
        after=after,
    )


def record(**fields: Any) -> AuditEvent:
    """Write one event (the keywords of :func:`event`), in the caller's transaction. Returns it."""
    written = event(**fields)
    written.save()
    return written


def record_many(events: Iterable[AuditEvent]) -> list[AuditEvent]:
    """Write events made with :func:`event` in one statement."""
    return AuditEvent.objects.bulk_create(list(events))


def history(obj: Target) -> QuerySet[AuditEvent]:
    """The events about ``obj`` (a row or a :class:`Subject`), newest first."""
    type_, id_ = _target(obj)
    return AuditEvent.objects.filter(object_type=type_, object_id=id_)
