"""Benchmark: one bulk upsert of 10,000 employees over HTTP (test client + Bearer key).

Runs against a throwaway copy of the configured PostgreSQL database (``test_<name>``, created
and dropped here), sends the payload three times (new, identical, every row changed) and prints,
for each request, the duration, the number of SQL queries and the counts. The second request
must report every row unchanged.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/gov_api python bench/bulk_upsert.py [--rows 10000]
"""

import argparse
import json
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "governance.settings")


def payload(rows, departments=50):
    deps = [
        {"code": f"B{d:03d}", "name": f"Bench department {d}", "parent": None if d < 5 else f"B{d % 5:03d}"}
        for d in range(departments)
    ]
    employees = []
    for i in range(rows):
        row = {
            "external_id": f"BENCH{i:06d}",
            "email": f"bench{i}@bench.example",
            "full_name": f"Bench Person {i}",
            "department": f"B{i % departments:03d}",
            "job_title": "Engineer",
            "country": "DE" if i % 2 else "FR",
            "handles_customer_data": i % 3 == 0,
            "hired_on": "2024-01-15",
        }
        if i:
            row["manager"] = f"BENCH{(i - 1) // 10:06d}"  # a ten-wide reporting tree, managers in the same batch
        employees.append(row)
    return {"departments": deps, "employees": employees}


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=10_000)
    args = parser.parse_args()

    import django

    django.setup()
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext, setup_test_environment

    from governance import db

    if not db.on_postgres():
        print("This benchmark needs PostgreSQL: set DATABASE_URL=postgres://...", file=sys.stderr)
        return 2
    setup_test_environment()
    old_name = connection.creation.create_test_db(verbosity=0, autoclobber=True, keepdb=False)
    try:
        from django.conf import settings

        from bench.server import describe
        from integrations.keys import create_api_key
        from integrations.models import ALL_SCOPES

        settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "DEFAULT_THROTTLE_RATES": {"api_key": "1000/min"}}
        secret = create_api_key(name="bench", scopes=list(ALL_SCOPES)).secret
        client = Client(headers={"Authorization": f"Bearer {secret}"})
        changed = payload(args.rows)
        for row in changed["employees"]:
            row["job_title"] = "Senior Engineer"
        bodies = {1: json.dumps(payload(args.rows)), 3: json.dumps(changed)}
        bodies[2] = bodies[1]
        body = bodies[1]
        print(describe(connection.cursor()))
        print(f"payload: {args.rows:,} employees, {len(body) / 1e6:.1f} MB")
        for run in (1, 2, 3):  # create all, the same again (all unchanged), every row changed
            with CaptureQueriesContext(connection) as queries:
                started = time.perf_counter()
                response = client.post("/api/v1/employees/bulk/", bodies[run], content_type="application/json")
                elapsed = time.perf_counter() - started
            data = response.json()
            sql_seconds = sum(float(q["time"]) for q in queries.captured_queries)
            counts = {k: data.get(k) for k in ("created", "updated", "unchanged", "failed")}
            print(
                f"run {run}: HTTP {response.status_code} in {elapsed:.2f} s, {len(queries)} queries ({sql_seconds:.2f} s in SQL), employees {counts}, departments {data.get('departments')}"
            )
    finally:
        connection.creation.destroy_test_db(old_name, verbosity=0)
    return 0


if __name__ == "__main__":
    sys.exit(main())
