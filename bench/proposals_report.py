"""Time the yearly handling report of suggestions (liaison.proposals.reports.handling_report) on an
existing database: the one DATABASE_URL names, as `gen_data --scale …` left it (nothing is written
but three benchmark accounts and their roles, made once, as bench/opinions_pages.py makes its own).

    DATABASE_URL=sqlite:///bench/.work/bench.sqlite3 .venv/bin/python bench/proposals_report.py
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/liaison_bench .venv/bin/python bench/proposals_report.py
    options: --year 2025 (default: the year with the most assignments) --region 980000000000 (the
             area of the report; default: gen_data's province, else the top region with the most
             suggestions) --runs 5 --out FILE (default bench/results/proposals-report-<db>.md)
             --no-files (skip the page, .xlsx and .docx timings)

What is measured, each run after one warm-up run, as the median (and min/max) of --runs runs:
- the full-year per-unit report of the area's liaison officer (the target: under 2 s), the same per
  assigning organ, both (what the page computes), the motions;
- the same per-unit report for the officer of the area's busiest county and for the staff of the
  busiest handling unit;
- the page, the .xlsx and the .docx through Django's test client (one request each after a warm-up);
- the number of SQL queries of each (it must not depend on the data), and the plan of the slowest.
Target (issue 4): < 2 s for the full-year report at province scale (300,000 suggestions), SQLite and
PostgreSQL."""

import argparse
import datetime
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))
if not os.environ.get("DATABASE_URL"):
    sys.exit("DATABASE_URL is not set: name the database to measure (see the docstring).")
for key, value in {
    "DJANGO_SETTINGS_MODULE": "config.settings.production",
    "DJANGO_SECRET_KEY": "bench-only-not-secret-0123456789abcdefghijklmnopqrstuvwxyz-liaison",
    "FIELD_ENCRYPTION_KEY": "YmVuY2gtb25seS1maWVsZC1rZXktbm90LXNlY3JldCE=",
    "SECURE_SSL_REDIRECT": "false",
    "DJANGO_ALLOWED_HOSTS": "127.0.0.1",
    "DJANGO_DEBUG": "false",
    "LOG_LEVEL": "WARNING",
}.items():
    os.environ.setdefault(key, value)

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.db import connection, transaction  # noqa: E402
from django.db.models import Count  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext, override_settings  # noqa: E402
from django.utils import translation  # noqa: E402

from liaison.accounts.models import Role, User  # noqa: E402
from liaison.proposals import reports  # noqa: E402
from liaison.proposals.models import Assignment, Motion, Suggestion  # noqa: E402
from liaison.regions.models import Level, Region  # noqa: E402

GEN_ROOT = "980000000000"
TARGET_S = 2.0


def explain(sql: str) -> str:
    prefix = "EXPLAIN QUERY PLAN " if connection.vendor == "sqlite" else "EXPLAIN (ANALYZE, BUFFERS) "
    try:
        with transaction.atomic(), connection.cursor() as cursor:
            if connection.vendor == "postgresql":
                cursor.execute("SET LOCAL jit = off")  # as reports.fetch runs it
            cursor.execute(prefix + sql)
            rows = cursor.fetchall()
    except Exception as exc:  # the logged SQL is not always re-runnable as it stands
        return f"(no plan: {exc.__class__.__name__}: {exc})"
    if connection.vendor == "sqlite":
        return "\n".join(str(r[-1]) for r in rows)
    return "\n".join(r[0] for r in rows)


def account(username: str, name: str, **role) -> User:
    user = User.objects.filter(username=username).first()
    if user is None:
        user = User(username=username, name=name)
        user.set_unusable_password()
        user.save()
    if not Role.objects.filter(user=user, is_active=True, **role).exists():
        Role.objects.create(user=user, **role)
    return User.objects.get(pk=user.pk)  # no cached roles or scope


def area(code: str | None) -> Region:
    if code:
        return Region.objects.get(code=code)
    found = Region.objects.filter(code=GEN_ROOT).first()
    if found:
        return found
    best = (
        Suggestion.objects.values("congress__region__path")
        .annotate(n=Count("id"))
        .order_by("-n")
        .values_list("congress__region__path", flat=True)
        .first()
    )
    if best is None:
        sys.exit("No suggestion in this database: run gen_data first.")
    return Region.objects.get(path="/" + best.strip("/").split("/")[0] + "/")


def busiest_year(root: Region) -> int:
    years = (
        Assignment.objects.filter(
            suggestion__region_path__startswith=root.path, role="lead", round=1, status__in=reports.HELD
        )
        .values_list("assigned_on", flat=True)
        .order_by()
    )
    counts: dict[int, int] = {}
    # one year at a time is enough to find the busiest: at most a dozen COUNT queries
    first = years.order_by("assigned_on").first()
    last = years.order_by("-assigned_on").first()
    if first is None:
        sys.exit(f"No assigned suggestion under {root.name}.")
    for year in range(first.year, last.year + 1):
        counts[year] = years.filter(assigned_on__year=year).count()
    return max(counts, key=lambda y: (counts[y], y))


def timed(fn, runs: int) -> dict:
    fn()  # warm-up (caches, the first plan)
    times, cpu, queries = [], [], []
    slowest = None
    for _ in range(runs):
        with CaptureQueriesContext(connection) as ctx:
            t0, c0 = time.perf_counter(), time.process_time()
            result = fn()
            times.append(time.perf_counter() - t0)
            cpu.append(time.process_time() - c0)
        queries.append(len(ctx.captured_queries))
        for q in ctx.captured_queries:
            ms = float(q["time"]) * 1000
            if slowest is None or ms > slowest["ms"]:
                slowest = {"ms": ms, "sql": q["sql"]}
    return {
        "median": statistics.median(times),
        "min": min(times),
        "max": max(times),
        "cpu": statistics.median(cpu),
        "queries": sorted(set(queries)),
        "slowest": slowest,
        "result": result,
    }


def machine() -> dict:
    cpu = "unknown CPU"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return {"cpu": cpu, "cores": os.cpu_count(), "load": os.getloadavg()}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--year", type=int)
    parser.add_argument("--region")
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--out")
    parser.add_argument("--no-files", action="store_true")
    args = parser.parse_args()
    translation.activate("zh-hans")

    db = "sqlite" if connection.vendor == "sqlite" else "postgres"
    out = Path(args.out) if args.out else ROOT / "bench" / "results" / f"proposals-report-{db}.md"
    before = machine()
    root = area(args.region)
    year = args.year or busiest_year(root)
    period = reports.period_of_year(year)
    county_id = (
        Suggestion.objects.filter(region_path__startswith=root.path, congress__level=Level.COUNTY)
        .values("congress__region")
        .annotate(n=Count("id"))
        .order_by("-n")
        .values_list("congress__region", flat=True)
        .first()
    )
    unit_id = (
        Assignment.objects.filter(
            suggestion__region_path__startswith=root.path,
            assigned_on__year=year,
            round=1,
            status__in=reports.HELD,
        )
        .values("unit")
        .annotate(n=Count("id"))
        .order_by("-n")
        .values_list("unit", flat=True)
        .first()
    )
    users = {"area": account("bench_reports_area", "统计联络员", kind=Role.Kind.LIAISON_OFFICER, region=root)}
    if county_id:
        county = Region.objects.get(pk=county_id)
        users["county"] = account("bench_reports_county", "县统计联络员", kind=Role.Kind.LIAISON_OFFICER, region=county)
    if unit_id:
        users["unit"] = account("bench_reports_unit", "承办单位统计员", kind=Role.Kind.HANDLING_UNIT, unit_id=unit_id)

    data = {
        "suggestions": Suggestion.objects.count(),
        "suggestions_area": Suggestion.objects.filter(region_path__startswith=root.path).count(),
        "motions": Motion.objects.count(),
        "assignments": Assignment.objects.count(),
        "assigned_in_year": Assignment.objects.filter(
            suggestion__region_path__startswith=root.path,
            role="lead",
            round=1,
            status__in=reports.HELD,
            assigned_on__range=(period.date_from, period.date_to),
        ).count(),
    }
    print(f"{db}: {data['suggestions']:,} suggestions; {root.name} {year}: {data['assigned_in_year']:,} assigned")

    def report(user_key, **kw):
        def run():
            user = User.objects.get(pk=users[user_key].pk)  # a fresh user per request, as in a view
            return reports.handling_report(user=user, period=period, **kw)

        return run

    def both():
        user = User.objects.get(pk=users["area"].pk)
        made = reports.handling_reports(user=user, period=period, bys=("unit", "organ"))  # one pass, as the page
        return made["unit"], made["organ"]

    scenarios = [
        ("area_units", f"{root.name}: the year per handling unit (the target)", report("area")),
        ("area_organs", f"{root.name}: the year per assigning organ", report("area", by="organ")),
        ("area_both", f"{root.name}: per unit and per organ (what the page computes)", both),
        ("area_motions", f"{root.name}: motions of the year per unit", report("area", kind="motion")),
    ]
    if "county" in users:
        scenarios.append(("county_units", f"{county.name} (the busiest county): per unit", report("county")))
    if "unit" in users:
        scenarios.append(("unit_row", "the busiest handling unit's staff: their own row", report("unit")))
    results = {}
    for key, title, fn in scenarios:
        r = timed(fn, args.runs)
        rep = r["result"][0] if isinstance(r["result"], tuple) else r["result"]
        r["rows"] = len(rep.rows)
        r["assigned"] = rep.totals.assigned_lead
        results[key] = (title, r)
        print(
            f"  {key:14} median {r['median'] * 1000:8.1f} ms  cpu {r['cpu'] * 1000:8.1f} ms"
            f"  queries {r['queries']}  rows {r['rows']}"
        )

    files = {}
    if not args.no_files:
        # the page is timed without the manifest of collected static files: plain static URLs
        static = {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}
        plain = override_settings(STORAGES={**settings.STORAGES, "staticfiles": static})
        plain.enable()
        client = Client(HTTP_HOST="127.0.0.1")
        client.force_login(users["area"])
        query = f"?preset=custom&date_from={period.date_from}&date_to={period.date_to}"
        for key, path in (
            ("page", "/work/proposals/reports/"),
            ("xlsx", "/work/proposals/reports/export.xlsx"),
            ("docx", "/work/proposals/reports/report.docx"),
        ):
            client.get(path + query)
            with CaptureQueriesContext(connection) as ctx:
                t0 = time.perf_counter()
                response = client.get(path + query)
                elapsed = time.perf_counter() - t0
            files[key] = {
                "status": response.status_code,
                "ms": elapsed * 1000,
                "bytes": len(response.content),
                "queries": len(ctx.captured_queries),
            }
            print(
                f"  {key:14} {elapsed * 1000:8.1f} ms  status {response.status_code}  queries {files[key]['queries']}"
            )
        plain.disable()

    slowest = results["area_units"][1]["slowest"]
    plan = explain(slowest["sql"]) if slowest else ""
    after = machine()
    write(out, db=db, root=root, year=year, data=data, results=results, files=files, plan=plan, slowest=slowest,
          before=before, after=after, runs=args.runs)  # fmt: skip
    print(f"written {out.relative_to(ROOT) if out.is_relative_to(ROOT) else out}")


def write(out: Path, *, db, root, year, data, results, files, plan, slowest, before, after, runs) -> None:
    target = results["area_units"][1]
    verdict = "meets" if target["median"] < TARGET_S else "MISSES"
    url = os.environ["DATABASE_URL"].replace(str(ROOT) + "/", "")
    vendor = f"SQLite {connection.Database.sqlite_version}" if db == "sqlite" else "PostgreSQL"
    if db == "postgres":
        with connection.cursor() as cursor:
            cursor.execute("SHOW server_version")
            vendor = f"PostgreSQL {cursor.fetchone()[0]}"
    lines = [
        f"# Handling report of suggestions, a full year, on {vendor}",
        "",
        f"Measured {datetime.datetime.now():%Y-%m-%d %H:%M} on {before['cpu']} ({before['cores']} cores, shared; "
        f"load average {before['load'][0]:.2f} at the start, {after['load'][0]:.2f} at the end).",
        "",
        "Command (from the repository root):",
        "",
        "```",
        f"DATABASE_URL={url} .venv/bin/python bench/proposals_report.py --runs {runs}",
        "```",
        "",
        f"Data: {data['suggestions']:,} suggestions ({data['suggestions_area']:,} in {root.name}), "
        f"{data['motions']:,} motions, {data['assignments']:,} assignments. The year {year}: "
        f"{data['assigned_in_year']:,} suggestions of {root.name} assigned (first-round lead assignments).",
        "",
        f"**Target: the full-year per-unit report under {TARGET_S:.0f} s — {verdict} it "
        f"({target['median'] * 1000:,.0f} ms, median of {runs} runs).**",
        "",
        "Times are wall-clock; the CPU column is this process's CPU time (on SQLite, the database works inside",
        "the process, so it is the work itself, whatever else loads the machine; on PostgreSQL the server's",
        "share is not in it).",
        "",
        "| report | median ms | min ms | max ms | CPU ms of this process | SQL queries | rows | suggestions assigned |",
        "|---|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for _key, (title, r) in results.items():
        lines.append(
            f"| {title} | {r['median'] * 1000:,.1f} | {r['min'] * 1000:,.1f} | {r['max'] * 1000:,.1f} | "
            f"{r['cpu'] * 1000:,.1f} | "
            f"{'/'.join(map(str, r['queries']))} | {r['rows']:,} | {r['assigned']:,} |"
        )
    if files:
        lines += [
            "",
            "Through Django's test client, logged in as the area's liaison officer (one request after a warm-up;",
            "the page computes both tables; the .docx adds the key-supervision, overdue and re-handled lists):",
            "",
            "| request | ms | status | bytes | SQL queries |",
            "|---|---:|---:|---:|---:|",
        ]
        for key, f in files.items():
            lines.append(f"| {key} | {f['ms']:,.1f} | {f['status']} | {f['bytes']:,} | {f['queries']} |")
    if slowest:
        lines += [
            "",
            f"The slowest query of the per-unit report ({slowest['ms']:,.1f} ms) and its plan:",
            "",
            "```sql",
            slowest["sql"][:6000],
            "```",
            "",
            "```",
            plan,
            "```",
        ]
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text("\n".join(lines) + "\n")


if __name__ == "__main__":
    main()
