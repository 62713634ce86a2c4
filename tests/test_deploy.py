"""The production compose file is secure by default: what `docker compose up` gives passes
`check --deploy`, publishes nothing but the TLS proxy, and has no default password."""

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from django.db import connection

ROOT = Path(__file__).resolve().parents[1]
REQUIRED = {"SECRET_KEY", "POSTGRES_PASSWORD", "APP_DB_PASSWORD", "EMAIL_URL"}
MEMORY_UNITS = "kB|MB|GB|TB"
TIME_UNITS = "us|ms|s|min|h|d"
INSECURE = {"SECURE_SSL_REDIRECT", "SESSION_COOKIE_SECURE", "CSRF_COOKIE_SECURE", "SECURE_HSTS_SECONDS"}


def load(name):
    return yaml.safe_load((ROOT / name).read_text())


def interpolate(value, given):
    """Compose's ${VAR:?message} and ${VAR:-default}, with ``given`` as the .env."""

    def one(match):
        name, op, rest = match.group(1), match.group(2), match.group(3)
        if name in given:
            return given[name]
        assert op == ":-", f"{name} has no default and was not given"
        return rest

    return re.sub(r"\$\{(\w+)(:\?|:-)([^}]*)\}", one, str(value))


def required_variables(text):
    return set(re.findall(r"\$\{(\w+):\?", text))


def test_every_secret_is_required_and_none_has_a_default():
    text = (ROOT / "docker-compose.yml").read_text()
    assert required_variables(text) == REQUIRED
    for name in ("POSTGRES_PASSWORD", "APP_DB_PASSWORD", "SECRET_KEY"):
        assert not re.search(r"\$\{" + name + ":-", text), f"{name} must not have a default"


def test_only_the_tls_proxy_publishes_ports_and_there_is_no_mail_catcher():
    services = load("docker-compose.yml")["services"]
    published = {name for name, service in services.items() if service.get("ports")}
    assert published == {"proxy"}
    assert "mail" not in services
    assert not any("mailpit" in str(service.get("image", "")) for service in services.values())
    for name in ("web", "worker", "beat", "migrate"):
        environment = services[name]["environment"]
        assert not INSECURE & set(environment), f"{name} weakens a secure default"
        assert environment["DJANGO_ENV"] == "production"


def test_the_runtime_role_is_not_the_owner_that_migrates():
    services = load("docker-compose.yml")["services"]
    assert services["web"]["environment"]["DATABASE_URL"].startswith("postgres://governance_app:")
    assert services["migrate"]["environment"]["DATABASE_URL"].startswith("postgres://governance:")
    assert "grant_app_role governance_app" in services["migrate"]["command"]
    assert services["web"]["depends_on"]["migrate"] == {"condition": "service_completed_successfully"}


def test_the_compose_environment_passes_the_deploy_check():
    given = {name: f"compose-check-{name.lower()}-" + "x" * 50 for name in REQUIRED}
    given["EMAIL_URL"] = "smtp+tls://user:pass@smtp.example.com:587"
    web = load("docker-compose.yml")["services"]["web"]["environment"]
    dropped = {"DEBUG", "DJANGO_ENV", "SECRET_KEY", "DJANGO_ALLOW_ASYNC_UNSAFE"}
    environment = {k: v for k, v in os.environ.items() if k not in dropped}
    environment.update({name: interpolate(value, given) for name, value in web.items()})
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_the_local_override_keeps_what_it_opens_on_this_machine():
    services = load("docker-compose.local.yml")["services"]
    for name, service in services.items():
        for port in service.get("ports", []):
            assert str(port).startswith("127.0.0.1:"), f"{name} publishes {port} beyond this machine"


@pytest.mark.postgres
@pytest.mark.django_db
def test_the_database_settings_are_real_postgresql_settings_with_valid_values():
    """A misspelt name or a bad value stops PostgreSQL from starting: each setting the production
    stack passes is checked against the server's own catalogue of settings."""
    from bench.server import production_settings

    settings = production_settings()
    assert {"shared_buffers", "max_wal_size", "checkpoint_timeout"} <= set(settings)
    with connection.cursor() as cursor:
        for name, value in settings.items():
            cursor.execute("SELECT vartype, unit, enumvals FROM pg_settings WHERE name = %s", [name])
            found = cursor.fetchone()
            assert found is not None, f"{name} is not a PostgreSQL setting"
            vartype, unit, choices = found
            if vartype == "enum":
                assert value in choices, f"{name}={value}: one of {choices}"
            elif vartype == "integer" and unit:
                units = MEMORY_UNITS if unit.endswith("B") else TIME_UNITS
                assert re.fullmatch(rf"\d+({units})", value), f"{name}={value}: a number and a unit"
            else:
                assert re.fullmatch(r"\d+(\.\d+)?", value), f"{name}={value}: a number"
