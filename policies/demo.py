def seed(*, today, stdout):
    """Filled in by the policies feature."""
