"""Checkpoints: the ledger's head, signed with the installation's key and kept append-only.

``checkpoint_ledger`` runs daily (the ``governance.ledger_checkpoint`` beat task) and with every
report build; each new checkpoint is announced (``ledger_checkpointed``, the ``ledger.checkpoint``
webhook) so that a copy of it lives somewhere the database does not control.
"""

import datetime
import logging

from django.db import IntegrityError, transaction
from django.utils import timezone

from attestations import ledger
from attestations.models import LedgerCheckpoint
from attestations.signals import ledger_checkpointed
from governance import db, signing

logger = logging.getLogger(__name__)

# pg_advisory_xact_lock key for writing checkpoints: "ckpoint" in ASCII.
CHECKPOINT_LOCK_KEY = 0x636B706F696E74


class CheckpointConflict(ValueError):
    """The ledger's record at a checkpointed position no longer has the checkpointed hash."""


def checkpoint_ledger(*, now: datetime.datetime | None = None) -> tuple[LedgerCheckpoint, bool]:
    """Sign and keep the ledger's current head (count and hash) at ``now``; (checkpoint, True).

    Idempotent: when a checkpoint of this head exists already (the head did not move), that one
    is returned, (checkpoint, False), and nothing is written. Raises ``CheckpointConflict`` when
    the checkpoint of this position names another hash (the chain was rewritten: never sign
    over that), and ``governance.signing.SigningKeyMissing`` when no key is configured.
    """
    now = now or timezone.now()
    with transaction.atomic():
        db.advisory_xact_lock(CHECKPOINT_LOCK_KEY)
        count, head = ledger.ledger_head()
        existing = LedgerCheckpoint.objects.filter(count=count).first()
        if existing is None:
            kid, signature = signing.sign(
                lambda kid: ledger.checkpoint_bytes(count=count, head_hash=head, created_at=now, kid=kid)
            )
            checkpoint = LedgerCheckpoint(count=count, head_hash=head, created_at=now, kid=kid, signature=signature)
            try:
                with transaction.atomic():
                    checkpoint.save(force_insert=True)
            except IntegrityError:  # a concurrent writer, in a snapshot older than its row
                existing = LedgerCheckpoint.objects.filter(count=count).first()
                if existing is None:
                    raise
            else:
                transaction.on_commit(lambda: ledger_checkpointed.send(sender=LedgerCheckpoint, checkpoint=checkpoint))
                logger.info("Ledger checkpoint %s: %s records, head %s", checkpoint.pk, count, head)
                return checkpoint, True
    if existing.head_hash != head:
        raise CheckpointConflict(
            f"Checkpoint {existing.pk} says record {count} has hash {existing.head_hash}, but it has {head}: "
            "the ledger was rewritten; run verify_ledger."
        )
    return existing, False
