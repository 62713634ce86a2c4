"""Demo step: an API key with every scope, so the README's curl session works as written.

The key is derived from SECRET_KEY (same on every run of this checkout) and never exists in
production (ensure_demo_api_key refuses there)."""

from django.conf import settings

from governance.services.integrations import ensure_demo_api_key


def seed(*, today, stdout):
    if getattr(settings, "PRODUCTION", False):
        return
    secret = ensure_demo_api_key()
    stdout.write(
        "Demo API key (every scope, local demo only):\n"
        f"  export GOV_API_KEY={secret}\n"
        f'  curl -H "Authorization: Bearer $GOV_API_KEY" {settings.SITE_URL}/api/v1/compliance/summary/\n'
    )
