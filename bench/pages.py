"""Django-side half of the page benchmark (run by bench/run_pages.py with the benchmark's environment).

    python bench/pages.py paths   DIR   # writes DIR/<scenario>.txt (paths wrk cycles through) and DIR/scenarios.json
    python bench/pages.py profile DIR   # DIR/profile.json: per scenario, status, SQL queries, slowest query + plan,
                                        # and the median time of the page alone (20 requests, no load)

The paths come from the generated province (gen_data, division codes 98…), chosen with a fixed seed."""

import json
import os
import random
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.production")

import django  # noqa: E402

django.setup()

from django.db import connection  # noqa: E402
from django.db.models import Count  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402

from liaison.deputies.models import Mandate, Person  # noqa: E402
from liaison.regions.models import Level, Region  # noqa: E402
from liaison.stations.models import Station  # noqa: E402

GEN_ROOT = "980000000000"
SAMPLES = 200


def scenarios() -> list[dict]:
    rng = random.Random(2026)
    root = Region.objects.get(code=GEN_ROOT)
    serving = Mandate.objects.filter(status=Mandate.Status.SERVING).count()
    from liaison.deputies import selectors

    per_page = selectors.PER_PAGE
    pages = max(1, -(-serving // per_page))
    deep = [max(2, int(pages * 0.75)) + i for i in range(20)]
    # A deep page is reached by "next" (keyset): its link carries the sort key of the previous page's
    # last row. Those keys are read here once, by OFFSET, to build the links a user would have followed.
    ordered = selectors.directory_mandates(selectors.DeputyFilters(), region=None)
    deep_paths = [
        f"/deputies/?after={selectors.cursor_encode(ordered.values_list('sort_pinyin', 'person_id', 'id')[(p - 1) * per_page - 1])}&n={p}"
        for p in deep
    ]
    counties = list(
        Region.objects.filter(path__startswith=root.path, level=Level.COUNTY)
        .order_by("id")
        .values_list("id", flat=True)
    )
    region_ids = rng.sample(counties, min(20, len(counties)))
    person_ids = list(
        Mandate.objects.filter(region_path__startswith=root.path).order_by("id").values_list("person_id", flat=True)
    )
    sample_people = rng.sample(person_ids, min(SAMPLES, len(person_ids)))
    names = list(Person.objects.filter(pk__in=sample_people[:20]).values_list("name_pinyin", "name_initials"))
    queries = []
    for full, initials in names:
        queries.append(initials)  # "zw" style: search by initials
        queries.append(full[: max(4, len(full) - 3)])  # "zhangw" style: a prefix of the full pinyin
    # the stations with most deputies make the heaviest station pages; mix them with random ones
    station_ids = list(
        Station.objects.filter(region_path__startswith=root.path).order_by("id").values_list("id", flat=True)
    )
    busy = list(
        Station.objects.filter(region_path__startswith=root.path)
        .annotate(n=Count("assignments"))
        .order_by("-n", "id")
        .values_list("id", flat=True)[:20]
    )
    sample_stations = busy + rng.sample(station_ids, min(SAMPLES - len(busy), len(station_ids)))
    return [
        {
            "key": "directory_first",
            "title": "deputy directory, first page",
            "paths": ["/deputies/"],
        },
        {
            "key": "directory_deep",
            "title": f'deputy directory, deep page reached by "next" (~75 % of {pages:,} pages)',
            "paths": deep_paths,
        },
        {
            "key": "directory_region",
            "title": "deputy directory filtered by a county (its subtree)",
            "paths": [f"/deputies/?region={r}" for r in region_ids],
        },
        {
            "key": "directory_pinyin",
            "title": "deputy directory, pinyin search (initials and full-pinyin prefixes)",
            "paths": [f"/deputies/?q={q}" for q in queries],
        },
        {
            "key": "deputy_page",
            "title": f"a deputy's page ({len(sample_people)} different deputies)",
            "paths": [f"/deputies/{pk}/" for pk in sample_people],
        },
        {
            "key": "station_page",
            "title": f"a station's page with its roster ({len(sample_stations)} stations, the 20 busiest among them)",
            "paths": [f"/stations/{pk}/" for pk in sample_stations],
        },
    ]


def write_paths(out: Path) -> None:
    out.mkdir(parents=True, exist_ok=True)
    items = scenarios()
    for item in items:
        (out / f"{item['key']}.txt").write_text("\n".join(item["paths"]) + "\n")
    (out / "scenarios.json").write_text(json.dumps(items, ensure_ascii=False, indent=1))


def explain(sql: str) -> str:
    prefix = "EXPLAIN QUERY PLAN " if connection.vendor == "sqlite" else "EXPLAIN (ANALYZE, BUFFERS) "
    try:
        with connection.cursor() as cursor:
            cursor.execute(prefix + sql)
            rows = cursor.fetchall()
    except Exception as exc:  # the logged SQL is not always re-runnable as it stands
        return f"(no plan: {exc.__class__.__name__}: {exc})"
    if connection.vendor == "sqlite":
        return "\n".join(str(r[-1]) for r in rows)
    return "\n".join(r[0] for r in rows)


def profile(out: Path) -> None:
    items = json.loads((out / "scenarios.json").read_text())
    client = Client(HTTP_HOST="127.0.0.1")
    results = {}
    for item in items:
        path = item["paths"][0]
        client.get(path)  # warm the caches
        with CaptureQueriesContext(connection) as ctx:
            t0 = time.perf_counter()
            response = client.get(path)
            elapsed = time.perf_counter() - t0
        queries = [{"ms": float(q["time"]) * 1000, "sql": q["sql"]} for q in ctx.captured_queries]
        slowest = max(queries, key=lambda q: q["ms"]) if queries else None
        timings = []  # the page alone, no concurrent load: median over up to 20 of its paths
        for other in (item["paths"] * 20)[:20]:
            t0 = time.perf_counter()
            client.get(other)
            timings.append((time.perf_counter() - t0) * 1000)
        timings.sort()
        results[item["key"]] = {
            "median_ms": timings[len(timings) // 2],
            "path": path,
            "status": response.status_code,
            "bytes": len(response.content),
            "ms": elapsed * 1000,
            "queries": len(queries),
            "sql_ms": sum(q["ms"] for q in queries),
            "slowest": slowest,
            "plan": explain(slowest["sql"]) if slowest else "",
        }
    (out / "profile.json").write_text(json.dumps(results, ensure_ascii=False, indent=1))


if __name__ == "__main__":
    command, directory = sys.argv[1], Path(sys.argv[2])
    {"paths": write_paths, "profile": profile}[command](directory)
