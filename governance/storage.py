"""Where private files live: evidence screenshots and report files."""

from django.core.files.storage import Storage, storages


def private_storage() -> Storage:
    """Evidence and reports never live under a public URL; views check permission and stream them."""
    return storages["private"]
