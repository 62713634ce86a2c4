"""Benchmark: the production stack under load (gunicorn + a Celery worker, production settings).

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/gov_bench python bench/load.py \
        [--employees 100000] [--platforms 30] [--users 200] [--officers 10] [--duration 180]

Over the seed_scale organization: starts gunicorn as the Dockerfile does (production settings,
behind a TLS-terminating proxy: every request says X-Forwarded-Proto https) and one Celery
worker on a Redis broker, all on loopback; signs in ``--users`` employees, ``--officers``
compliance officers and one governance admin (real sessions in the database); then locust
(headless) runs them for ``--duration`` seconds: employees open My AI tools, a tool's attest page
and sign it; officers read the dashboard, a department's and the overdue people; the admin
publishes a prepared version (three rules changed) ``--publish-after`` seconds in, through the
publish page, and watches the job until it is done.

Prints attestations per second, p50/p95/p99 per page, the error count, the publish job's
duration, and the floors beside them: a bare request (``/favicon.ico``: the whole middleware
stack, no database) and each page alone on the idle stack; and the ledger's serialized append
(the time a signed attestation holds the ledger's lock, from the hash chain's head to COMMIT),
whose inverse is the ceiling of attestations per second whatever the number of workers.
Targets: zero errors, dashboard p95 under 500 ms, /me/ p95 under 300 ms.
"""

import argparse
import csv
import json
import os
import secrets
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from unittest import mock

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "governance.settings")
# The sessions this process writes must verify in gunicorn's: one secret for both.
os.environ.setdefault("SECRET_KEY", secrets.token_urlsafe(50))
BIN = Path(sys.executable).parent


def log(message):
    print(message, flush=True)


def production_env(args):
    """The environment docker-compose gives the web and worker containers, on loopback."""
    origin = f"https://127.0.0.1:{args.port}"
    return {
        **os.environ,
        "DJANGO_ENV": "production",
        "ALLOWED_HOSTS": "127.0.0.1",
        "CSRF_TRUSTED_ORIGINS": origin,
        "SITE_URL": origin,
        "CELERY_BROKER_URL": args.broker,
        "CACHE_URL": args.cache,
        "EMAIL_URL": "dummymail://",
        "BEHIND_PROXY": "true",
        # The proxy speaks TLS to the browser; locust speaks plain HTTP to gunicorn, and
        # python-requests keeps a Secure cookie for https only.
        "SESSION_COOKIE_SECURE": "false",
        "CSRF_COOKIE_SECURE": "false",
        "LOG_LEVEL": "WARNING",
    }


def prepare(args):
    """The organization, the accounts and their sessions, the draft to publish: the plan."""
    import django

    django.setup()
    from django.contrib.auth.models import Group
    from django.db import connection
    from django.test import Client
    from django.utils import timezone

    from attestations.models import Obligation, ObligationStatus
    from bench.scale_org import ensure_org
    from bench.server import describe
    from compliance.services.rollups import rebuild_obligation_counts
    from demo.management.commands.seed_scale import SCALE_POLICY_SLUG
    from governance.models import User
    from governance.roles import Role
    from people.models import Department, Employee
    from policies.models import Policy, PolicyVersion, RequiredSetting
    from policies.services import create_draft, set_required_setting

    ensure_org(employees=args.employees, platforms=args.platforms, stdout=log)
    rebuild_obligation_counts(day=timezone.localdate())
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE")

    def session_of(user):
        client = Client()
        client.force_login(user, backend="identity.backends.PasswordBackend")
        return client.cookies["sessionid"].value

    def account(email, group, employee=None):
        user = User.objects.filter(email=email).first() or User.objects.create_user(email, None, full_name=email)
        user.groups.add(Group.objects.get_or_create(name=group)[0])
        if employee is not None and employee.user_id != user.pk:
            Employee.objects.filter(pk=employee.pk).update(user=user)
        return user

    policy = Policy.objects.get(slug=SCALE_POLICY_SLUG)
    draft = policy.versions.filter(status=PolicyVersion.Status.DRAFT).first() or create_draft(policy=policy, actor=None)
    changed = 0
    for rule in draft.rules.exclude(stance="prohibited").order_by("platform__slug"):
        unused = rule.platform.settings.exclude(pk__in=RequiredSetting.objects.filter(rule=rule).values("setting_id"))
        setting = unused.order_by("key").first()
        if changed < args.changed_rules and setting is not None:
            set_required_setting(rule=rule, setting=setting, actor=None)
            changed += 1

    # Employees with obligations to sign; each signs every required setting at its required value.
    open_to_sign = Obligation.objects.open().filter(
        status=ObligationStatus.PENDING, employee__status=Employee.Status.ACTIVE, rule__allowed_tiers=[]
    )
    required = {}  # an obligation's rule holds the terms it follows (a carried rule's included)
    for requirement in RequiredSetting.objects.filter(rule_id__in=open_to_sign.values("rule_id").distinct()):
        required.setdefault(requirement.rule_id, {})[f"setting_{requirement.setting_id}"] = requirement.required_value
    people = list(
        Employee.objects.filter(pk__in=open_to_sign.values("employee_id")).order_by("pk")[
            : args.users * 7 : 7  # spread over the organization
        ]
    )
    employees = []
    for person in people:
        user = account(person.email, Role.EMPLOYEE, person)
        tools = [
            {"id": obligation.pk, "answers": required.get(obligation.rule_id, {})}
            for obligation in open_to_sign.filter(employee=person)
        ]
        employees.append({"session": session_of(user), "name": person.full_name, "obligations": tools})
    officers = [
        {"session": session_of(account(f"load-officer-{n}@bench.example", Role.COMPLIANCE_OFFICER))}
        for n in range(args.officers)
    ]
    admin = {"session": session_of(account("load-admin@bench.example", Role.GOVERNANCE_ADMIN))}
    departments = list(Department.objects.filter(parent__isnull=False).order_by("pk").values_list("pk", flat=True)[:20])
    return {
        "base_url": f"http://127.0.0.1:{args.port}",
        "origin": f"https://127.0.0.1:{args.port}",
        "users": args.users,
        "officers_count": args.officers,
        "employee_wait": [args.think / 2, args.think * 1.5],
        "officer_wait": [args.think / 2, args.think * 1.5],
        "employees": employees,
        "officers": officers,
        "admin": admin,
        "departments": departments,
        "draft": draft.pk,
        "changed_rules": changed,
        "publish_after": None if args.no_publish else args.publish_after,
        "publish_timeout": args.duration,
        "employee_count": Employee.objects.exclude(status=Employee.Status.TERMINATED).count(),
        "open_obligations": Obligation.objects.open().count(),
        "server": describe(connection.cursor()),
    }


def ledger_hold(samples=40):
    """The ledger's serialized part of an attestation, in process: from the advisory lock taken
    before the head is read to COMMIT (each sample one real attestation, signed like the form)."""
    from django.db import transaction

    from attestations import ledger
    from attestations.models import Obligation, ObligationStatus
    from attestations.services import attest
    from people.models import Employee
    from policies.models import RequiredSetting

    held = []
    real_append = ledger.append_record

    def timed_append(**kwargs):
        began = time.perf_counter()
        transaction.on_commit(lambda: held.append(time.perf_counter() - began))
        return real_append(**kwargs)

    obligations = (
        Obligation.objects.open()
        .filter(status=ObligationStatus.PENDING, employee__status=Employee.Status.ACTIVE, rule__allowed_tiers=[])
        .select_related("employee", "rule", "platform")
        .order_by("-pk")[:samples]
    )
    total = time.perf_counter()
    with mock.patch.object(ledger, "append_record", timed_append):
        for obligation in obligations:
            answers = {
                r.setting_id: r.required_value for r in RequiredSetting.objects.filter(rule_id=obligation.rule_id)
            }
            attest.submit_attestation(
                obligation=obligation,
                answers=answers,
                tool_used=True,
                statement=attest.attestation_statement(obligation),
                signature=obligation.employee.full_name,
                actor=None,
            )
    total = time.perf_counter() - total
    return statistics.median(held), len(held) / total


def wait_for(url, *, timeout=60):
    import requests

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if requests.get(url, headers={"X-Forwarded-Proto": "https"}, timeout=2).status_code < 500:
                return
        except requests.RequestException:
            pass
        time.sleep(0.5)
    raise SystemExit(f"{url} did not answer within {timeout} s")


def idle_latencies(plan, runs=30):
    """Each page alone on the idle stack (sequential requests): the floors under the load's figures."""
    import requests

    def median_ms(path, session=None):
        client = requests.Session()
        if session:
            client.cookies.set("sessionid", session)
        headers = {"X-Forwarded-Proto": "https"}
        client.get(plan["base_url"] + path, headers=headers, allow_redirects=False)  # warm-up
        samples = []
        for _ in range(runs):
            began = time.perf_counter()
            response = client.get(plan["base_url"] + path, headers=headers, allow_redirects=False)
            samples.append((time.perf_counter() - began) * 1000)
            assert response.status_code in (200, 302), (path, response.status_code)
        return statistics.median(samples)

    employee, officer = plan["employees"][0], plan["officers"][0]
    return {
        "bare request (/favicon.ico)": median_ms("/favicon.ico"),
        "/me/": median_ms("/me/", employee["session"]),
        "/me/tools/<id>/": median_ms(f"/me/tools/{employee['obligations'][0]['id']}/", employee["session"]),
        "/dashboard/": median_ms("/dashboard/", officer["session"]),
        "/dashboard/people/": median_ms("/dashboard/people/?bucket=overdue", officer["session"]),
    }


def read_stats(prefix):
    with open(f"{prefix}_stats.csv") as handle:
        return {row["Name"]: row for row in csv.DictReader(handle)}


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--employees", type=int, default=100_000)
    parser.add_argument("--platforms", type=int, default=30)
    parser.add_argument("--users", type=int, default=200, help="Employees attesting at the same time.")
    parser.add_argument("--officers", type=int, default=10)
    parser.add_argument("--duration", type=int, default=180, help="Seconds of load.")
    parser.add_argument("--think", type=float, default=20.0, help="Mean seconds a person reads between pages.")
    parser.add_argument("--publish-after", type=int, default=45)
    parser.add_argument("--no-publish", action="store_true", help="The steady state: nobody publishes.")
    parser.add_argument("--changed-rules", type=int, default=3)
    parser.add_argument("--workers", type=int, default=3, help="gunicorn workers (the Dockerfile's 3).")
    parser.add_argument("--threads", type=int, default=1, help="Threads per worker (the Dockerfile: 1, sync workers).")
    parser.add_argument("--port", type=int, default=8791)
    parser.add_argument("--broker", default="redis://127.0.0.1:6379/14")
    parser.add_argument("--cache", default="redis://127.0.0.1:6379/15")
    args = parser.parse_args()
    if not os.environ.get("DATABASE_URL", "").startswith("postgres"):
        sys.exit("bench/load.py measures PostgreSQL: set DATABASE_URL=postgres://...")

    log("Preparing the organization, the accounts and the draft ...")
    plan = prepare(args)
    hold, sequential = ledger_hold()
    workdir = Path(tempfile.mkdtemp(prefix="load-"))
    plan_file = workdir / "plan.json"
    plan_file.write_text(json.dumps(plan))
    env = production_env(args)
    subprocess.run([sys.executable, "manage.py", "collectstatic", "--no-input", "-v0"], cwd=ROOT, env=env, check=True)
    processes = []
    with (
        open(workdir / "worker.log", "w") as worker_log,
        open(workdir / "gunicorn.log", "w") as web_log,
        open(workdir / "locust.log", "w") as locust_log,
    ):
        stats, idle = run_load(args, plan, plan_file, env, workdir, processes, worker_log, web_log, locust_log)
    report(args, plan, stats, idle, hold, sequential, workdir)
    shutil.rmtree(workdir, ignore_errors=True)


def run_load(args, plan, plan_file, env, workdir, processes, worker_log, web_log, locust_log):
    """Start the worker and gunicorn, take the idle floors, run locust; (its stats, the floors)."""
    try:
        processes.append(
            subprocess.Popen(
                [str(BIN / "celery"), "-A", "governance", "worker", "--concurrency", "1", "--loglevel", "WARNING"],
                cwd=ROOT,
                env=env,
                stdout=worker_log,
                stderr=subprocess.STDOUT,
            )
        )
        processes.append(
            subprocess.Popen(
                [str(BIN / "gunicorn"), "governance.wsgi:application", "--bind", f"127.0.0.1:{args.port}"]
                + ["--workers", str(args.workers), "--threads", str(args.threads)]
                + ["--access-logfile", str(workdir / "access.log")],
                cwd=ROOT,
                env=env,
                stdout=web_log,
                stderr=subprocess.STDOUT,
            )
        )
        wait_for(plan["base_url"] + "/favicon.ico")
        idle = idle_latencies(plan)
        log(
            f"Load: {args.users} employees and {args.officers} officers for {args.duration} s "
            f"(think time {args.think} s), gunicorn {args.workers} workers x {args.threads} threads, "
            + ("nobody publishes ..." if args.no_publish else f"publish after {args.publish_after} s ...")
        )
        prefix = str(workdir / "locust")
        subprocess.run(
            [str(BIN / "locust"), "-f", str(ROOT / "bench" / "locustfile.py"), "--headless", "--only-summary"]
            + ["--users", str(args.users + args.officers + 1), "--spawn-rate", "20", "--run-time", f"{args.duration}s"]
            + ["--csv", prefix, "--loglevel", "WARNING", "--stop-timeout", "30"],
            cwd=ROOT,
            env={**os.environ, "LOAD_PLAN": str(plan_file)},
            check=False,
            stdout=locust_log,
            stderr=subprocess.STDOUT,
        )
        stats = read_stats(prefix)
    finally:
        for process in processes:
            process.terminate()
        for process in processes:
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()
    return stats, idle


def report(args, plan, stats, idle, hold, sequential, workdir):
    def ms(row, column):
        return float(row[column]) if row.get(column) not in (None, "", "N/A") else float("nan")

    log(f"Organization: {plan['employee_count']:,} people, {plan['open_obligations']:,} open obligations")
    log(plan["server"])
    log(
        f"{'page':32} {'requests':>9} {'errors':>7} {'p50 ms':>8} {'p95 ms':>8} {'p99 ms':>8} {'idle ms':>8} {'p95/idle':>9}"
    )
    errors = 0
    for name, row in sorted(stats.items()):
        if name == "Aggregated" or row["Type"] in ("ATTEST", "JOB"):
            continue
        errors += int(row["Failure Count"])
        floor = idle.get(name)
        ratio = f"{ms(row, '95%') / floor:9.1f}" if floor else f"{'':9}"
        floor_text = f"{floor:8.0f}" if floor else f"{'':8}"
        log(
            f"{name:32} {int(row['Request Count']):9d} {int(row['Failure Count']):7d} {ms(row, '50%'):8.0f} "
            f"{ms(row, '95%'):8.0f} {ms(row, '99%'):8.0f} {floor_text} {ratio}"
        )
    log(f"{'bare request (/favicon.ico), idle':32} {'':9} {'':7} {idle['bare request (/favicon.ico)']:8.1f}")
    recorded = stats.get("attestation recorded", {})
    count = int(recorded.get("Request Count", 0) or 0)
    log(f"attestations recorded:     {count} in {args.duration} s = {count / args.duration:.1f} per second")
    deferred = int(stats.get("asked to submit again", {}).get("Request Count", 0) or 0)
    log(f"asked to submit again:     {deferred} (503 + Retry-After while the publish held their rows)")
    log(
        f"ledger's serialized append: {hold * 1000:.1f} ms held per attestation (median) = ceiling "
        f"{1 / hold:.0f} attestations per second; one after the other in process: {sequential:.0f} per second"
    )
    job = stats.get("publish job", {})
    if job:
        failed = int(job["Failure Count"])
        log(
            f"publish job ({plan['changed_rules']} rules changed) during the load: "
            + ("FAILED" if failed else f"done in {float(job['Average Response Time']) / 1000:.1f} s")
        )
    elif args.no_publish:
        log("publish job: none (--no-publish: the steady state)")
    else:
        log("publish job: not started (the run was shorter than --publish-after)")
        errors += 1
    me = stats.get("/me/", {})
    dashboard = stats.get("/dashboard/", {})
    log(f"errors: {errors} (target 0)")
    log(
        f"/me/ p95 {ms(me, '95%'):.0f} ms (target under 300), /dashboard/ p95 {ms(dashboard, '95%'):.0f} ms (target under 500)"
    )
    if errors:
        log(f"logs kept in {workdir}")
        raise SystemExit(1)


if __name__ == "__main__":
    main()
