"""Benchmark: `manage.py seed_scale` on a new, never-analyzed PostgreSQL database.

    python bench/seed.py [--employees 100000] [--platforms 30] [--server postgres://postgres@127.0.0.1:5432]

Creates a database of its own (dropped afterwards), migrates it and times seed_scale, which
prints each step's duration; then the floor: the same number of obligation rows written by one
plain INSERT ... SELECT into a table without index, trigger or foreign key, and the ratio.
Target: under 10 minutes at 100,000 employees x 30 tools.
"""

import argparse
import os
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.server import describe  # noqa: E402


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--employees", type=int, default=100_000)
    parser.add_argument("--platforms", type=int, default=30)
    parser.add_argument("--server", default="postgres://postgres@127.0.0.1:5432")
    args = parser.parse_args()
    name = f"seed_bench_{os.getpid()}"
    url = f"{args.server}/{name}"
    env = {**os.environ, "DATABASE_URL": url}
    host = args.server.split("@")[-1].split(":")[0]
    subprocess.run(["createdb", "-h", host, "-U", "postgres", name], check=True)
    try:
        subprocess.run([sys.executable, "manage.py", "migrate", "-v0"], cwd=ROOT, env=env, check=True)
        began = time.monotonic()
        subprocess.run(
            [sys.executable, "manage.py", "seed_scale", "--employees", str(args.employees)]
            + ["--platforms", str(args.platforms)],
            cwd=ROOT,
            env=env,
            check=True,
        )
        seeded = time.monotonic() - began
        floor_sql = (
            "CREATE TEMP TABLE floor AS SELECT id, employee_id, rule_id, platform_id, department_id, status, "
            "due_on, opened_at FROM governance_obligation"
        )
        began = time.monotonic()
        out = subprocess.run(
            ["psql", url.replace("postgres://", "postgresql://"), "-Atc", floor_sql + "; SELECT count(*) FROM floor"],
            check=True,
            capture_output=True,
            text=True,
        )
        floor = time.monotonic() - began
        rows = int(out.stdout.strip().splitlines()[-1])
        import psycopg

        with psycopg.connect(url) as server:
            print(describe(server.cursor()))
    finally:
        subprocess.run(["dropdb", "-h", host, "-U", "postgres", name], check=False)
    print(f"seed_scale {args.employees} x {args.platforms} on a new database: {seeded:.0f} s")
    print(f"floor: {rows:,} obligation rows by one INSERT ... SELECT into a bare table: {floor:.1f} s")
    print(f"ratio: {seeded / floor:.0f}; target under 600 s:", "MET" if seeded < 600 else "NOT MET")


if __name__ == "__main__":
    main()
