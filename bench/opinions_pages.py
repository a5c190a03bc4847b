"""Django-side half of the opinions benchmark (run by bench/opinions_bench.py in the benchmark's
environment).

    python bench/opinions_pages.py setup   DIR   # accounts, their sessions, the pages to load, the
                                                 # submission texts and regions → DIR/setup.json
    python bench/opinions_pages.py profile DIR [opinions,proposals]   # per page: status, SQL queries,
                                                 # the slowest with its plan, the time alone → DIR/profile.json
    python bench/opinions_pages.py count   DIR PREFIX ACKS.json   # rows committed by a submission run

The accounts (made once, idempotent): a liaison officer of the generated province (gen_data's
division code 98…), one of its busiest county, and the staff of the handling unit with the most
open assignments. Their sessions are made with Django's test client (force_login), as a log-in
would; the cookies go to the load generator."""

import json
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.production")

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.db import connection  # noqa: E402
from django.db.models import Count  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402
from pages import explain  # noqa: E402

from liaison.accounts.models import Role, User  # noqa: E402
from liaison.opinions.models import Assignment, Opinion  # noqa: E402
from liaison.opinions.texts import TEMPLATES  # noqa: E402
from liaison.opinions.workflow import LIVE_ASSIGNMENT, OPEN_STATES  # noqa: E402
from liaison.proposals.models import Assignment as ProposalAssignment  # noqa: E402
from liaison.proposals.models import Motion, Suggestion  # noqa: E402
from liaison.proposals.workflow import LIVE_ASSIGNMENT as PROPOSAL_LIVE_ASSIGNMENT  # noqa: E402
from liaison.regions.models import Level, Region  # noqa: E402

GEN_ROOT = "980000000000"


def account(username: str, name: str, **role) -> User:
    user = User.objects.filter(username=username).first()
    if user is None:
        user = User(username=username, name=name)
        user.set_unusable_password()
        user.save()
    if not Role.objects.filter(user=user, is_active=True, **role).exists():
        Role.objects.create(user=user, **role)
    return user


def session_cookie(user: User) -> dict:
    client = Client(HTTP_HOST="127.0.0.1")
    client.force_login(user)
    name = settings.SESSION_COOKIE_NAME
    return {name: client.cookies[name].value}


def most(rows, field: str = "unit"):
    """The value of `field` that the most of `rows` share."""
    return rows.values(field).annotate(n=Count("id")).order_by("-n").values_list(field, flat=True).first()


def setup(out: Path) -> None:
    out.mkdir(parents=True, exist_ok=True)
    root = Region.objects.get(code=GEN_ROOT)
    open_here = Opinion.objects.filter(status__in=OPEN_STATES)
    # the county whose office has the most open opinions in its own queue
    county = Region.objects.get(
        pk=most(open_here.filter(queue_region__level=Level.COUNTY, queue_path__startswith=root.path), "queue_region")
    )
    unit_id = most(Assignment.objects.filter(status__in=LIVE_ASSIGNMENT, unit__region__path__startswith=root.path))
    # the unit with the most live suggestion and motion assignments (liaison.proposals)
    proposals_unit_id = most(
        ProposalAssignment.objects.filter(status__in=PROPOSAL_LIVE_ASSIGNMENT, unit__region__path__startswith=root.path)
    )
    users = {
        "province": account("bench_province", "省人大代表联络员", kind=Role.Kind.LIAISON_OFFICER, region=root),
        "county": account("bench_county", "县人大代表联络员", kind=Role.Kind.LIAISON_OFFICER, region=county),
        "unit": account("bench_unit", "承办单位联络员", kind=Role.Kind.HANDLING_UNIT, unit_id=unit_id),
    }
    if proposals_unit_id:
        users["proposals_unit"] = account(
            "bench_proposals_unit", "建议承办单位联络员", kind=Role.Kind.HANDLING_UNIT, unit_id=proposals_unit_id
        )
    cookies = {key: session_cookie(user) for key, user in users.items()}
    regions = list(
        Region.objects.filter(path__startswith=root.path, level__in=[Level.VILLAGE, Level.TOWNSHIP])
        .order_by("id")
        .values_list("id", flat=True)
    )
    place = {
        "village": "和平村",
        "township": "东山镇",
        "town": "东山镇",
        "county": county.name,
        "road": "人民路",
        "road2": "建设路",
        "school": "东山中心小学",
        "n": 5,
    }
    pages = [
        ("province_mine", "province", "triage queue of the province's office (its own queue, open, oldest first)", "/work/opinions/"),
        ("province_area", "province", "the province office's view of its whole area (every open opinion, oldest first)", "/work/opinions/?queue=all"),
        ("province_area_new", "province", "the same, newest first", "/work/opinions/?queue=all&sort=newest"),
        ("county_mine", "county", f"triage queue of a county's office ({county.name}, the busiest)", "/work/opinions/"),
        ("county_area", "county", "the county office's view of its whole area (open)", "/work/opinions/?queue=all"),
        ("county_deadline", "county", "the county's area by deadline", "/work/opinions/?queue=all&sort=deadline"),
        ("unit_open", "unit", "a handling unit's queue (the unit with most open assignments)", "/work/units/"),
    ]  # fmt: skip
    pages = [(*p, "opinions", 100) for p in pages]
    # Suggestions and motions (issue 4): the unit's queue and the overdue boards (p95 < 100 ms), the
    # full-year handling report of the province as a page (< 2 s).
    if proposals_unit_id:
        pages.append(("proposals_unit", "proposals_unit", "a handling unit's suggestions and motions (the unit with most live assignments)", "/work/proposals/units/", "proposals", 100))  # fmt: skip
    pages += [
        ("proposals_overdue_province", "province", "the overdue board of the province's office", "/work/proposals/overdue/", "proposals", 100),
        ("proposals_overdue_county", "county", f"the overdue board of {county.name}'s office", "/work/proposals/overdue/", "proposals", 100),
        ("proposals_report_province", "province", "the province's handling report of last year, per unit and per organ (the page)", "/work/proposals/reports/?preset=last_year", "proposals", 2000),
    ]  # fmt: skip
    setup = {
        "users": {k: {"username": u.username, "id": u.pk} for k, u in users.items()},
        "county": {"id": county.pk, "name": county.name},
        "unit_id": unit_id,
        "cookies": cookies,
        "pages": [
            {"key": k, "user": u, "title": t, "path": p, "group": g, "target_ms": ms} for k, u, t, p, g, ms in pages
        ],
        "suggestions": Suggestion.objects.count(),
        "motions": Motion.objects.count(),
        "regions": regions,
        "texts": [t.text.format(**place) for t in TEMPLATES],
        "opinions": Opinion.objects.count(),
    }
    (out / "setup.json").write_text(json.dumps(setup, ensure_ascii=False, indent=1))


def profile(out: Path) -> None:
    setup = json.loads((out / "setup.json").read_text())
    users = {k: User.objects.get(pk=v["id"]) for k, v in setup["users"].items()}
    results = {}
    groups = set(sys.argv[3].split(",")) if len(sys.argv) > 3 else {"opinions", "proposals"}
    for page in setup["pages"]:
        if page.get("group", "opinions") not in groups:
            continue
        client = Client(HTTP_HOST="127.0.0.1")
        client.force_login(users[page["user"]])
        client.get(page["path"])  # warm the caches
        with CaptureQueriesContext(connection) as ctx:
            t0 = time.perf_counter()
            response = client.get(page["path"])
            elapsed = time.perf_counter() - t0
        queries = [{"ms": float(q["time"]) * 1000, "sql": q["sql"]} for q in ctx.captured_queries]
        slowest = max(queries, key=lambda q: q["ms"]) if queries else None
        timings = []
        for _ in range(15):
            t0 = time.perf_counter()
            client.get(page["path"])
            timings.append((time.perf_counter() - t0) * 1000)
        timings.sort()
        results[page["key"]] = {
            "status": response.status_code,
            "bytes": len(response.content),
            "ms": elapsed * 1000,
            "median_ms": timings[len(timings) // 2],
            "queries": len(queries),
            "sql_ms": sum(q["ms"] for q in queries),
            "slowest": slowest,
            "plan": explain(slowest["sql"]) if slowest else "",
        }
    name = "profile.json" if len(sys.argv) <= 3 else f"profile-{'-'.join(sorted(groups))}.json"
    (out / name).write_text(json.dumps(results, ensure_ascii=False, indent=1))


def count(out: Path, prefix: str, acks_file: str) -> None:
    """Rows of a submission run (idempotency keys starting with PREFIX) against its acknowledgements."""
    acks = json.loads(Path(acks_file).read_text())["acks"]
    rows = list(Opinion.objects.filter(idempotency_key__startswith=prefix).values_list("tracking_code", flat=True))
    found = set(rows)
    result = {
        "rows": len(rows),
        "acks": len(acks),
        "distinct_acks": len(set(acks)),
        "acked_rows_found": sum(1 for code in acks if code in found),
        "rows_not_acked": len(found - set(acks)),
        "events": Opinion.objects.filter(idempotency_key__startswith=prefix, events__action="submit").count(),
    }
    result["ok"] = result["rows"] == result["acks"] == result["distinct_acks"] == result["acked_rows_found"]
    print(json.dumps(result))


if __name__ == "__main__":
    command, directory = sys.argv[1], Path(sys.argv[2])
    if command == "count":
        count(directory, sys.argv[3], sys.argv[4])
    else:
        {"setup": setup, "profile": profile}[command](directory)  # profile DIR [GROUPS]: opinions,proposals
