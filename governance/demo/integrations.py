def seed(*, today, stdout):
    """Filled in by the feature that owns this part of the demo."""
