import os

import pytest
from django.contrib.auth.models import Group
from django.core.management import call_command
from django.db import connection

from governance.roles import Role

# Playwright's sync API runs an event loop in the test thread; Django would then refuse
# ORM calls from test code. Tests only: the server itself never sets this.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@pytest.fixture(scope="session", autouse=True)
def _flush_may_empty_the_ledger():
    """Transactional tests end with a flush (one TRUNCATE of every table), which the ledger's
    TRUNCATE guard refuses; a test database's owner opts in as migration 0020 describes."""
    from django.db.backends.postgresql.operations import DatabaseOperations

    original = DatabaseOperations.sql_flush

    def sql_flush(self, style, tables, **kwargs):
        statements = original(self, style, tables, **kwargs)
        return ["SET LOCAL governance.allow_ledger_truncate = 'on';", *statements] if statements else statements

    DatabaseOperations.sql_flush = sql_flush
    yield
    DatabaseOperations.sql_flush = original


def pytest_collection_modifyitems(config, items):
    """Skip PostgreSQL-only tests on SQLite, saying why; CI (REQUIRE_POSTGRES=1) never skips."""
    from django.conf import settings

    on_postgres = settings.DATABASES["default"]["ENGINE"].endswith("postgresql")
    if on_postgres:
        return
    if os.environ.get("REQUIRE_POSTGRES") == "1":
        raise pytest.UsageError("REQUIRE_POSTGRES=1 but DATABASE_URL is not PostgreSQL.")
    skip = pytest.mark.skip(reason="needs PostgreSQL (set DATABASE_URL=postgres://...)")
    for item in items:
        if "postgres" in item.keywords:
            item.add_marker(skip)


# --- The one clock ------------------------------------------------------------------------
# A test whose dates matter either passes them in or freezes the clock with time-machine (the
# one library for it), never reads the day it happens to run on. `.ci/run` runs the dated part
# of the suite with the process clock a year and more ahead and in far time zones to prove it.


@pytest.fixture
def counts_dated_today(time_machine, db):
    """The maintained counts dated to the (frozen) application's today, as the nightly job would
    have done: for modules frozen on their ``TODAY`` whose figures read the counts."""
    from django.utils import timezone

    from compliance.services.rollups import advance_obligation_counts

    return advance_obligation_counts(day=timezone.localdate()) or timezone.localdate()


@pytest.fixture(autouse=True)
def _fresh_cache():
    """Throttle budgets and abuse counters live in the (in-memory) cache: none carries over."""
    from django.core.cache import cache

    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def private_storage(settings, tmp_path):
    """Evidence and report files in a temporary folder of the test's own."""
    settings.STORAGES = {
        **settings.STORAGES,
        "private": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(tmp_path / "private"), "base_url": None},
        },
    }
    return tmp_path / "private"


@pytest.fixture
def roles_groups(db):
    return {name: Group.objects.get_or_create(name=name)[0] for name in Role.GROUPS}


@pytest.fixture
def make_user(db, roles_groups):
    """A sign-in account with the given role groups, linked to an employee record."""
    from tests.factories import EmployeeFactory, UserFactory

    def make(*groups, employee=True, **kwargs):
        user = UserFactory(**kwargs)
        user.groups.add(roles_groups[Role.EMPLOYEE], *(roles_groups[g] for g in groups))
        if employee:
            EmployeeFactory(email=user.email, user=user, full_name=user.full_name)
            user.refresh_from_db()
        return user

    return make


@pytest.fixture
def officer(make_user):
    return make_user(Role.COMPLIANCE_OFFICER)


@pytest.fixture
def admin_user(make_user):
    return make_user(Role.GOVERNANCE_ADMIN)


@pytest.fixture
def employee_user(make_user):
    return make_user()


@pytest.fixture
def demo(db):
    """The demo organization exactly as `make run` loads it."""
    call_command("load_catalog", verbosity=0)
    call_command("seed_demo", verbosity=0)


@pytest.fixture
def on_postgres():
    return connection.vendor == "postgresql"


# --- Browser ---------------------------------------------------------------------------


@pytest.fixture(scope="session")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def page(browser, live_server):
    context = browser.new_context(base_url=live_server.url, viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.set_default_timeout(15_000)
    yield page
    context.close()


@pytest.fixture
def sign_in(page):
    def sign_in_as(email, password="demo"):
        page.goto("/accounts/login/")
        page.get_by_label("E-mail address").fill(email)
        page.get_by_label("Password").fill(password)
        page.get_by_role("button", name="Sign in").click()
        page.wait_for_load_state()
        return page

    return sign_in_as


@pytest.fixture
def artifacts_dir():
    from pathlib import Path

    path = Path(__file__).resolve().parent.parent / "test-artifacts"
    path.mkdir(exist_ok=True)
    return path


@pytest.fixture
def redis_server():
    """A Redis of the test's own on a free loopback port (tests.brokers), started by the test."""
    import shutil

    from tests.brokers import RedisServer

    if not shutil.which("redis-server"):
        pytest.skip("redis-server is not installed")
    server = RedisServer()
    yield server
    server.stop()
