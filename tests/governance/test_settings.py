import os
import secrets
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

ROOT = Path(__file__).resolve().parents[2]


def run_manage(*args, **env):
    environment = {
        k: v
        for k, v in os.environ.items()
        if k not in {"DEBUG", "DJANGO_ENV", "SECRET_KEY", "DJANGO_ALLOW_ASYNC_UNSAFE"}
    }
    environment.update(env)
    return subprocess.run(
        [sys.executable, "manage.py", *args], cwd=ROOT, env=environment, capture_output=True, text=True, timeout=120
    )


def test_deploy_check_is_clean_in_production_mode():
    result = run_manage(
        "check",
        "--deploy",
        "--fail-level",
        "WARNING",
        DJANGO_ENV="production",
        SECRET_KEY=secrets.token_urlsafe(64),
        ALLOWED_HOSTS="governance.example.com",
        CACHE_URL="redis://127.0.0.1:6379/12",
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_production_mode_refuses_a_per_process_cache():
    """Throttles and abuse counters must be shared by every worker process, or each one grants
    its own budget."""
    result = run_manage(
        "check",
        DJANGO_ENV="production",
        SECRET_KEY=secrets.token_urlsafe(64),
        ALLOWED_HOSTS="governance.example.com",
    )
    assert result.returncode != 0
    assert "django_ratelimit.E003" in result.stderr


def test_production_mode_refuses_to_start_without_a_secret_key():
    result = run_manage("check", DJANGO_ENV="production", ALLOWED_HOSTS="governance.example.com")
    assert result.returncode != 0
    assert "SECRET_KEY" in result.stderr


def test_embedded_default_needs_no_variable():
    printed = _fresh_interpreter(
        "from django.conf import settings as s; "
        "print(s.DATABASES['default']['ENGINE'], s.CELERY_TASK_ALWAYS_EAGER, s.EMAIL_BACKEND)"
    )
    assert printed.split() == [
        "django.db.backends.sqlite3",
        "True",
        "django.core.mail.backends.console.EmailBackend",
    ]


@pytest.mark.django_db
def test_seed_demo_refuses_to_run_in_production(settings):
    settings.PRODUCTION = True
    with pytest.raises(CommandError, match="production"):
        call_command("seed_demo")


def _install_key(key_file):
    """SECRET_KEY and the demo API key of an install whose key lives at ``key_file``, from a
    fresh interpreter with no SECRET_KEY in the environment (the embedded default)."""
    printed = _fresh_interpreter(
        "from django.conf import settings; from integrations.keys import demo_api_key_secret; "
        "print(settings.SECRET_KEY); print(demo_api_key_secret())",
        SECRET_KEY_FILE=str(key_file),
    )
    secret_key, demo_key = printed.split()
    return secret_key, demo_key


def _fresh_interpreter(code, **environment):
    """What ``code`` prints in a fresh interpreter with Django set up from an environment that
    holds nothing but PATH, HOME and ``environment`` (the embedded default)."""
    result = subprocess.run(
        [
            sys.executable,
            "-c",
            "import django, os; os.environ.setdefault('DJANGO_SETTINGS_MODULE', 'governance.settings'); "
            f"django.setup(); {code}",
        ],
        cwd=ROOT,
        env={"PATH": os.environ["PATH"], "HOME": os.environ.get("HOME", "/tmp"), **environment},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    return result.stdout


def test_each_install_gets_its_own_random_secret_and_demo_key(tmp_path):
    first, second = tmp_path / "one" / ".secret_key", tmp_path / "two" / ".secret_key"
    first.parent.mkdir()
    second.parent.mkdir()
    key_one, demo_one = _install_key(first)
    key_two, demo_two = _install_key(second)
    assert key_one != key_two and demo_one != demo_two
    assert len(key_one) >= 50 and "dev-only" not in key_one
    assert first.read_text().strip() == key_one
    assert first.stat().st_mode & 0o777 == 0o600
    # The same install keeps its key (and so its sign-in links and demo key) across runs.
    assert _install_key(first) == (key_one, demo_one)


def test_the_default_key_file_is_git_ignored():
    ignored = subprocess.run(["git", "check-ignore", "-q", ".secret_key"], cwd=ROOT, capture_output=True, timeout=30)
    assert ignored.returncode == 0, ".secret_key must be listed in .gitignore"


def test_the_demo_key_depends_on_the_install_secret(db, settings):
    from integrations.keys import demo_api_key_secret

    settings.SECRET_KEY = secrets.token_urlsafe(50)
    one = demo_api_key_secret()
    settings.SECRET_KEY = secrets.token_urlsafe(50)
    assert demo_api_key_secret() != one
