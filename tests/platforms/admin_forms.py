"""What a setting's forms post: the catalog's edit page and the Django admin's change form
(the tests of both share them)."""

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


def edit_page_data(setting, **overrides):
    """What the catalog's edit page posts for ``setting`` unchanged, with ``overrides``."""
    data = {
        "label": setting.label,
        "navigation_steps": "\n".join(setting.navigation_steps),
        "control_type": setting.control_type,
        "values": ", ".join(setting.values),
        "safe_value": setting.safe_value,
        "protects": setting.protects,
        "applies_to_tiers": setting.applies_to_tiers,
        "deep_link": setting.deep_link,
        "notes": setting.notes,
        "sources": "https://example.test/help",
    }
    data.update(overrides)
    return data
