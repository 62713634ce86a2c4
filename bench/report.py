"""Benchmark: build a compliance report (figures, CSV, PDF) for the seed_scale organization.

    DATABASE_URL=postgres://... python bench/report.py [--employees 100000] [--platforms 30]

Prints the duration and the peak RSS of the process (target: under 120 s and 500 MB).
"""

import argparse
import os
import resource
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "governance.settings")

import django  # noqa: E402

django.setup()


from bench.scale_org import ensure_org  # noqa: E402
from compliance.models import ComplianceReport  # noqa: E402
from compliance.services.reports import build_report, create_report  # noqa: E402
from governance import db  # noqa: E402


def peak_rss_mb():
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # kilobytes on Linux


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--employees", type=int, default=100_000)
    parser.add_argument("--platforms", type=int, default=30)
    args = parser.parse_args()
    if not db.on_postgres():
        raise SystemExit("Run the benchmark on PostgreSQL (DATABASE_URL=postgres://...).")
    ensure_org(employees=args.employees, platforms=args.platforms)
    before = peak_rss_mb()
    report = create_report(trigger=ComplianceReport.Trigger.MANUAL, requested_by_label="bench/report.py")
    started = time.perf_counter()
    report = build_report(report.pk)
    duration = time.perf_counter() - started
    if report.status != ComplianceReport.Status.DONE:
        raise SystemExit(f"Report failed: {report.error}")
    peak = peak_rss_mb()
    print(
        f"report {report.pk}: {duration:.1f} s, {report.summary['csv_rows']} CSV rows "
        f"({report.csv_file.size / 1e6:.1f} MB), PDF {report.pdf_file.size / 1e3:.0f} kB, "
        f"peak RSS {peak:.0f} MB (before the build {before:.0f} MB)"
    )
    print(
        f"targets: under 120 s {'met' if duration < 120 else 'NOT met'}, under 500 MB {'met' if peak < 500 else 'NOT met'}"
    )


if __name__ == "__main__":
    main()
