"""Demo step: an API key with every scope, so the README's curl session works as written.

The key is derived from SECRET_KEY, which is random per install (generated on first run), so
every install has its own demo key, the same on every run of that install; it is stored as a
hash like every key and never exists in production (ensure_demo_api_key refuses there)."""

from django.conf import settings

from integrations.keys import ensure_demo_api_key


def seed(*, today, stdout):
    if getattr(settings, "PRODUCTION", False):
        return
    secret = ensure_demo_api_key()
    stdout.write(
        "Demo API key (every scope, local demo only):\n"
        f"  export GOV_API_KEY={secret}\n"
        f'  curl -H "Authorization: Bearer $GOV_API_KEY" {settings.SITE_URL}/api/v1/compliance/summary/\n'
    )
