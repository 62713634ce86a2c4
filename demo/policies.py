"""Demo step: the published "AI acceptable use" policy and the obligations it creates.

ChatGPT, Claude and Gemini approved for everyone with their training settings required (and,
for Claude, the practice of not rating replies);
LinkedIn restricted to Sales and Customer Success, X restricted to Engineering and Sales
(public information only); DeepSeek prohibited. The demo employee (Engineering >
Applications) therefore has four tools to attest. Idempotent: once the policy is
published, a second run changes nothing.
"""

import datetime

from django.db import transaction

from attestations.services.publishing import publish_policy_version
from people.models import Department
from platforms.models import Platform, PlatformSetting
from policies.models import Policy, PolicyVersion
from policies.services import add_rule

POLICY_SLUG = "ai-acceptable-use"

BODY = """\
## Purpose

Generative AI tools help us work faster, but what we type into them may be stored,
reviewed by people and used to train future models. This policy says which tools you may
use, for what, and how they must be configured.

## What you must do

1. Use only the tools listed as **approved** or **restricted** below, within their limits.
2. Before using a tool, switch off the settings that let the vendor train on your data,
   exactly as the step-by-step guide in *My AI tools* shows.
3. Follow the practices a tool's guide lists (in Claude: never rate a reply with thumbs up
   or down), and confirm them with your settings when asked (every 90 days, and when a
   setting changes).
4. Never put **customer** or **regulated** data into a tool unless its rule allows that
   data class.

## Tools

| Tool | Stance | Who |
| --- | --- | --- |
| ChatGPT, Claude, Gemini | Approved | Everyone |
| LinkedIn | Restricted | Sales and Customer Success |
| X | Restricted | Engineering and Sales, public information only |
| DeepSeek | Prohibited | Nobody |

## Exceptions

If you cannot follow a rule, request an exception from *My AI tools*; a compliance officer
decides and the exception expires on the date they set.
"""

# slug, stance, required setting keys, department codes, data classes
RULES = [
    ("chatgpt", "approved", ["improve-model"], [], ["public", "internal"]),
    ("claude", "approved", ["help-improve", "no-feedback-ratings"], [], ["public", "internal"]),
    ("gemini", "approved", ["keep-activity"], [], ["public", "internal"]),
    ("linkedin", "restricted", ["genai-improvement"], ["SALES", "CS"], ["public"]),
    ("x", "restricted", ["grok-data-sharing"], ["ENG", "SALES"], ["public"]),
    ("deepseek", "prohibited", [], [], []),
]


@transaction.atomic
def seed(*, today, stdout):
    policy, _ = Policy.objects.get_or_create(
        slug=POLICY_SLUG,
        defaults={
            "name": "AI acceptable use",
            "description": "Which AI tools we use, for what, and how to set them up.",
        },
    )
    if policy.versions.filter(status=PolicyVersion.Status.PUBLISHED).exists():
        stdout.write("  policies: AI acceptable use already published")
        return
    version = policy.versions.filter(status=PolicyVersion.Status.DRAFT).first()
    if version is None:
        version = PolicyVersion.objects.create(
            policy=policy,
            number=(policy.versions.count() + 1),
            title="AI acceptable use",
            body_markdown=BODY,
            effective_on=today - datetime.timedelta(days=30),
        )
    platforms = Platform.objects.in_bulk([slug for slug, *_ in RULES], field_name="slug")
    departments = Department.objects.in_bulk({code for *_, codes, _ in RULES for code in codes}, field_name="code")
    missing = [slug for slug, *_ in RULES if slug not in platforms]
    if missing:
        stdout.write(f"  policies: catalog lacks {', '.join(missing)} (run load_catalog); those rules are left out")
    existing = set(version.rules.values_list("platform__slug", flat=True))
    for slug, stance, keys, codes, data_classes in RULES:
        if slug not in platforms or slug in existing:
            continue
        settings = list(PlatformSetting.objects.filter(platform=platforms[slug], key__in=keys))
        add_rule(
            version=version,
            platform=platforms[slug],
            stance=stance,
            required=[(setting, None) for setting in settings],
            no_settings_needed=stance != "prohibited" and not settings,
            departments=[departments[code] for code in codes if code in departments],
            data_classes=data_classes,
            actor=None,
        )
    counts = publish_policy_version(version=version, actor=None, today=today)
    stdout.write(
        f"  policies: AI acceptable use v{version.number} published, {counts['obligations_created']} obligations"
    )
