"""The published OpenAPI fuzzer (schemathesis) against a served instance: every operation, every
phase (examples, coverage, fuzzing, stateful) and every check, with zero failures.

The CLI runs as a subprocess against pytest-django's live server, as an HR system's client would
reach the API: over HTTP, with a key holding every scope. Its settings are in schemathesis.toml
next to this file, and a check of the project's own in schemathesis_hooks.py. The examples per operation and the seed are fixed, so a run is bounded (about
two minutes on two cores) and repeatable; SCHEMATHESIS_EXAMPLES and SCHEMATHESIS_SEED widen or move
it for a longer hunt."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.cache import cache
from django.core.management import call_command

from integrations.keys import create_api_key
from integrations.models import ALL_SCOPES

CONFIG = Path(__file__).with_name("schemathesis.toml")
ROOT = Path(__file__).resolve().parents[2]
PHASES = "examples,coverage,fuzzing,stateful"
EXAMPLES = os.environ.get("SCHEMATHESIS_EXAMPLES", "15")
SEED = os.environ.get("SCHEMATHESIS_SEED", "20261201")
TIMEOUT = 600


def test_the_schema_is_served_and_documents_scopes(client):
    response = client.get("/api/schema/?format=json")
    assert response.status_code == 200
    operations = [op for path in response.json()["paths"].values() for op in path.values()]
    assert operations and all(
        "`" in op.get("description", "") and "scope" in op["description"].lower() for op in operations
    )
    assert client.get("/api/docs/").status_code == 200


def test_the_api_docs_page_has_a_language_no_inline_style_and_no_nested_deep_links(client):
    page = client.get("/api/docs/").content.decode()
    assert '<html lang="en">' in page
    assert "<style" not in page and "/static/css/api_docs.css" in page
    script = client.get("/api/docs/?script=").content.decode()
    assert '"deepLinking": false' in script


@pytest.fixture
def unthrottled(settings):
    """The per-key budget and the wrong-key budget raised for the fuzzer (a test setting): a 429
    is an allowed answer to every request, so a spent budget would hide failures behind it."""
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "DEFAULT_THROTTLE_RATES": {"api_key": "1000000/m"}}
    settings.FAILED_KEY_RATE = "1000000/m"
    settings.EXTENSION_FAILED_TOKEN_RATE = "1000000/m"
    settings.EXTENSION_THROTTLE_RATE = "1000000/min"
    cache.clear()
    yield
    cache.clear()


def config_for(world, folder, device_token=None):
    """schemathesis.toml plus the ids of the records only a fixture can make (a delivery to
    redeliver, a finished report to download): nothing in the API creates those; and, for the
    browser extension's endpoints, a paired device's token in place of the API key."""
    entries = {
        "POST /api/v1/webhooks/{id}/deliveries/{delivery_id}/redeliver/": {
            "path.id": world["webhook"].pk,
            "path.delivery_id": str(world["delivery"].pk),
        },
        "GET /api/v1/reports/{id}/download/": {"path.id": world["report"].pk},
    }
    text = CONFIG.read_text()
    for name, parameters in entries.items():
        inline = ", ".join(f'"{key}" = {json.dumps(value)}' for key, value in parameters.items())
        text += f'\n[[operations]]\ninclude-name = "{name}"\nparameters = {{ {inline} }}\n'
    if device_token is not None:
        text += (
            '\n[[operations]]\ninclude-path-regex = "^/api/extension/v1/(status|signals)$"\n'
            f'headers = {{ "Authorization" = "Bearer {device_token}" }}\n'
        )
    path = folder / "schemathesis.toml"
    path.write_text(text)
    return path


def run_schemathesis(base_url, secret, config, report_dir):
    command = [
        sys.executable,
        "-m",
        "schemathesis.cli",
        "--no-color",
        "--config-file",
        str(config),
        "run",
        f"{base_url}/api/schema/?format=json",
        "--url",
        base_url,
        "--header",
        f"Authorization: Bearer {secret}",
        "--phases",
        PHASES,
        "--checks",
        "all",
        "--max-examples",
        EXAMPLES,
        "--seed",
        SEED,
        "--workers",
        "1",
        "--request-timeout",
        "60",
        "--report",
        "junit",
        "--report-dir",
        str(report_dir),
    ]
    environment = {
        **os.environ,
        "SCHEMATHESIS_HOOKS": "tests.integrations.schemathesis_hooks",
        "PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")])),
    }
    # In the report folder: the CLI keeps a cache (.schemathesis/) in its working directory.
    return subprocess.run(
        command, capture_output=True, text=True, timeout=TIMEOUT, check=False, cwd=report_dir, env=environment
    )


def _paired_device_with_signals_on(employee):
    """A device token for ``employee``, whose policy (prohibiting a catalog tool, with a warning
    page) turns usage signals on: the extension's endpoints answer with data, not only refusals."""
    from browser_extension import services as extension
    from platforms.models import Platform
    from tests.attestations.builders import new_version, publish
    from tests.factories import ToolRuleFactory

    version = new_version(usage_signals=True)
    ToolRuleFactory(version=version, platform=Platform.objects.get(slug="acme"), stance="prohibited", on_open="warn")
    publish(version)
    _, code = extension.create_pairing_code(employee=employee, actor=None)
    return extension.pair_device(code=code, device_name="schemathesis")[1]


@pytest.mark.postgres
def test_api_conforms_to_its_schema_in_every_phase(transactional_db, live_server, world, unthrottled, tmp_path):
    call_command("load_catalog", verbosity=0)  # platforms with settings, some without a deep link
    secret = create_api_key(name="schemathesis", scopes=list(ALL_SCOPES)).secret
    device_token = _paired_device_with_signals_on(world["employee"])

    result = run_schemathesis(live_server.url, secret, config_for(world, tmp_path, device_token), tmp_path)

    summary = result.stdout[result.stdout.rfind("SUMMARY") :] if "SUMMARY" in result.stdout else ""
    assert "Test Phases:" in summary, result.stdout[-4000:] + result.stderr[-4000:]
    for phase in ("Examples", "Coverage", "Fuzzing", "Stateful"):
        assert f"✅ {phase}" in summary, f"{phase} did not pass:\n{result.stdout[-20000:]}"
    assert result.returncode == 0, result.stdout[-20000:] + result.stderr[-4000:]
