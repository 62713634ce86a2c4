"""The ledger heads reports carry, for ``verify_ledger`` (registered in ``ComplianceConfig.ready``).

A report states the ledger's head (count and hash) at its moment, in its PDF and in its row;
a chain rewritten after the report was built contradicts it. (Not in compliance/selectors: it
is no figure, only what the ledger's verification reads.)
"""

from collections.abc import Iterator

from attestations.ledger import GENESIS_HASH, Anchor
from compliance.models import ComplianceReport


def report_ledger_anchors() -> Iterator[Anchor]:
    """One anchor per built report: "report <id>" at its ledger count, with its head hash."""
    built = ComplianceReport.objects.exclude(csv_sha256="").order_by("id")
    for pk, count, head in built.values_list("id", "ledger_count", "ledger_head_hash").iterator(chunk_size=2000):
        yield Anchor(f"report {pk}", count, head or GENESIS_HASH)
