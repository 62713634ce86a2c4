"""What the Django admin's setting change form posts (the tests of the admin share it)."""

import json


def change_data(setting, **overrides):
    data = {
        "label": setting.label,
        "navigation_steps": json.dumps(setting.navigation_steps),
        "control_type": setting.control_type,
        "values": json.dumps(setting.values),
        "safe_value": setting.safe_value,
        "protects": json.dumps(setting.protects),
        "applies_to_tiers": json.dumps(setting.applies_to_tiers),
        "deep_link": setting.deep_link,
        "notes": setting.notes,
        "sources": json.dumps(setting.sources),
        "last_verified_on": setting.last_verified_on.isoformat(),
        "verified": "on",
    }
    data.update(overrides)
    return data
