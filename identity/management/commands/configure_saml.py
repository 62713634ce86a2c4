"""Configure one SAML identity provider from the command line or a deployment script (for
installs where the admin pages are locked down): creates or updates its allauth SocialApp with
identity.saml's checked settings and prints what to paste into the IdP."""

import json
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.urls import reverse

from identity import saml


def _text(value: str) -> str:
    """A value, or the contents of the file an ``@path`` names (certificates, keys)."""
    return Path(value[1:]).read_text() if value.startswith("@") else value


class Command(BaseCommand):
    help = "Create or update a SAML identity provider (signed assertions are always required)."

    def add_arguments(self, parser):
        parser.add_argument("slug", help="Organization slug: the IdP's URLs are /sso/saml/<slug>/.")
        parser.add_argument("--name", required=True, help='Shown on the sign-in button: "Sign in with <name>".')
        parser.add_argument("--entity-id", required=True, help="The IdP's entity id (issuer).")
        parser.add_argument("--metadata-url", default="", help="The IdP's metadata URL (preferred).")
        parser.add_argument("--x509cert", default="", help="The IdP's signing certificate (PEM, or @file).")
        parser.add_argument("--sso-url", default="", help="The IdP's single sign-on URL (without metadata).")
        parser.add_argument("--slo-url", default="", help="The IdP's single logout URL (without metadata).")
        parser.add_argument("--mapping", default="", help='Attribute mapping as JSON, e.g. {"groups": "memberOf"}.')
        parser.add_argument("--email-trusted", action="store_true", help="The IdP's e-mail addresses are verified.")
        parser.add_argument("--email-domain", action="append", default=[], help="Trust e-mail only in this domain.")
        parser.add_argument("--no-idp-initiated", action="store_true", help="Refuse IdP-initiated sign-in.")
        parser.add_argument("--sp-cert", default="", help="This product's signing certificate (PEM or @file).")
        parser.add_argument("--sp-key", default="", help="This product's signing key (PEM or @file).")

    def handle(self, *args, **o):
        try:
            mapping = json.loads(o["mapping"]) if o["mapping"] else None
            app = saml.configure_saml_app(
                organization_slug=o["slug"],
                name=o["name"],
                idp_entity_id=o["entity_id"],
                metadata_url=o["metadata_url"],
                x509cert=_text(o["x509cert"]),
                sso_url=o["sso_url"],
                slo_url=o["slo_url"],
                attribute_mapping=mapping,
                email_trusted=o["email_trusted"],
                email_domains=o["email_domain"],
                allow_idp_initiated=not o["no_idp_initiated"],
                sp_x509cert=_text(o["sp_cert"]),
                sp_private_key=_text(o["sp_key"]),
            )
        except (ValueError, OSError) as exc:
            raise CommandError(str(exc)) from exc
        kwargs = {"organization_slug": app.client_id}
        self.stdout.write(f"Configured {app.name} ({app.provider_id}). Paste into the IdP:")
        for label, name in (
            ("Entity id / audience", "saml_metadata"),
            ("ACS URL", "saml_acs"),
            ("Logout URL", "saml_sls"),
        ):
            self.stdout.write(f"  {label}: {settings.SITE_URL}{reverse(name, kwargs=kwargs)}")
