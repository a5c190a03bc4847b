#!/usr/bin/env python3
"""The opinions benchmark, and the same two jobs on django-helpdesk in the same run.

    .venv/bin/python bench/opinions_bench.py                      # SQLite, then PostgreSQL
    .venv/bin/python bench/opinions_bench.py --db postgres --reuse-data
    bash bench/helpdesk/setup.sh                                  # once: django-helpdesk's side

For each database:
1. data: the page benchmark's database (SQLite bench/.work/bench.sqlite3, PostgreSQL liaison_bench on
   127.0.0.1:5432 as postgres), made afresh unless --reuse-data: `migrate`, `gen_data --scale province`
   (timed; with its 2,000,000 opinions), so bench/run_pages.py --reuse-data can measure the same data;
2. public submission: gunicorn (production settings) on 127.0.0.1, bench/loadgen.py in a second
   process POSTs /api/opinions/ for --seconds with unique Idempotency-Keys and no phone, from many
   loopback source addresses (the per-address limit of the public form stays on); then the rows with
   the run's keys are counted: every 2xx must be a committed row, and no row without its 2xx;
3. queues: the triage queue of a province officer and of a county officer (/work/opinions/, own
   queue and whole area) and a handling unit's queue (/work/units/), logged in, under load;
   each page's queries and the slowest one's plan (bench/opinions_pages.py);
4. django-helpdesk (var/bench-helpdesk, made by bench/helpdesk/setup.sh, same database kind, 100,000
   tickets): its public ticket form for --seconds with the same load generator (rows = acks), and its
   staff ticket list (the page and the JSON of its first 50 rows, logged-in staff);
5. suggestions and motions (job `proposals`): a handling unit's queue (/work/proposals/units/), the
   overdue boards of the province's and the county's offices, the province's report of last year.

Writes bench/results/opinions-<db>.md, proposals-pages-<db>.md, gen_data-<db>.md (when it made the
data) and opinions-vs-helpdesk.md."""

import argparse
import datetime
import json
import os
import re
import shlex
import signal
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import run_pages
from run_pages import bench_env, free_port, machine

ROOT = Path(__file__).resolve().parent.parent
WORK = ROOT / "bench" / ".work" / "opinions"
RESULTS = ROOT / "bench" / "results"
PY = str(ROOT / ".venv" / "bin" / "python")
HD = ROOT / "var" / "bench-helpdesk"
HD_PG_URL = "postgres://postgres@127.0.0.1:5432/helpdesk_bench"


def log(message: str) -> None:
    print(f"[{datetime.datetime.now():%H:%M:%S}] {message}", flush=True)


def run(cmd: list[str], env: dict, cwd=ROOT, **kwargs) -> subprocess.CompletedProcess:
    log("$ " + shlex.join(cmd))
    return subprocess.run(cmd, env=env, cwd=cwd, check=True, text=True, **kwargs)


def liaison_env(db: str) -> dict:
    env = bench_env(db)  # the same database as bench/run_pages.py
    env["STATIC_ROOT"] = str(WORK / "static")
    env["MEDIA_ROOT"] = str(WORK / "media")
    return env


def helpdesk_env(db: str) -> dict:
    env = dict(os.environ)
    env["HD_DATABASE"] = f"sqlite:///{HD / 'helpdesk.sqlite3'}" if db == "sqlite" else HD_PG_URL
    env["PYTHONPATH"] = str(HD / "project")
    return env


def serve(gunicorn: str, app: str, *, cwd: Path, env: dict, port: int, workers: int, threads: int, logfile: Path):
    cmd = [gunicorn, app, "--bind", f"127.0.0.1:{port}", "--workers", str(workers), "--error-logfile", str(logfile)]
    cmd += ["--log-level", "warning", "--backlog", "2048"]
    cmd += ["--worker-class", "gthread", "--threads", str(threads)] if threads > 1 else ["--worker-class", "sync"]
    log("$ " + shlex.join(cmd))
    proc = subprocess.Popen(cmd, env=env, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT)
    deadline = time.time() + 90
    while time.time() < deadline:
        if proc.poll() is not None:
            raise SystemExit(f"gunicorn exited with {proc.returncode}; see {logfile}")
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=5):
                return proc, cmd
        except urllib.error.HTTPError:
            return proc, cmd  # it answers
        except OSError:
            time.sleep(0.5)
    proc.terminate()
    raise SystemExit(f"gunicorn did not answer; see {logfile}")


def stop(proc) -> None:
    proc.send_signal(signal.SIGTERM)
    try:
        proc.wait(timeout=30)
    except subprocess.TimeoutExpired:
        proc.kill()


def load(spec: dict, name: str) -> dict:
    spec_file, out_file = WORK / f"{name}.spec.json", WORK / f"{name}.out.json"
    spec_file.write_text(json.dumps(spec, ensure_ascii=False))
    cmd = [sys.executable, str(ROOT / "bench" / "loadgen.py"), str(spec_file), str(out_file)]
    subprocess.run(cmd, check=True, text=True, capture_output=True)
    result = json.loads(out_file.read_text())
    result["command"] = f"python bench/loadgen.py {spec_file.relative_to(ROOT)} …"
    brief = {k: result[k] for k in ("rate", "p50_ms", "p95_ms", "p99_ms", "statuses", "errors")}
    log(f"{name}: {brief}")
    return result


# --- Liaison ----------------------------------------------------------------------------------------


def liaison_submit(db: str, env: dict, setup: dict, args, ctx: dict) -> None:
    run_id = f"{db[:2]}{int(time.time())}"
    port = free_port()
    proc, cmd = serve(
        str(ROOT / ".venv" / "bin" / "gunicorn"),
        "config.wsgi:application",
        cwd=ROOT,
        env=env,
        port=port,
        workers=args.workers,
        threads=args.threads,
        logfile=WORK / f"gunicorn-submit-{db}.log",
    )
    ctx["submit_server"] = shlex.join([Path(cmd[0]).name, *cmd[1:]]).replace(str(ROOT) + "/", "")
    spec = {
        "url": f"http://127.0.0.1:{port}",
        "kind": "liaison_api",
        "connections": args.connections,
        "per_address": 9,
        "texts": setup["texts"],
        "regions": setup["regions"],
    }
    try:
        load({**spec, "seconds": args.warmup, "run": f"warm{run_id}"}, f"liaison-submit-warmup-{db}")
        result = load({**spec, "seconds": args.seconds, "run": run_id}, f"liaison-submit-{db}")
    finally:
        stop(proc)
    check = run(
        [
            PY,
            "bench/opinions_pages.py",
            "count",
            str(WORK),
            f"bench-{run_id}-",
            str(WORK / f"liaison-submit-{db}.out.json"),
        ],
        env,
        capture_output=True,
    ).stdout
    result["check"] = json.loads(check.strip().splitlines()[-1])
    log(f"rows check: {result['check']}")
    ctx["submit"] = result


def liaison_pages(db: str, env: dict, setup: dict, args, ctx: dict, group: str = "opinions") -> None:
    port = free_port()
    proc, cmd = serve(
        str(ROOT / ".venv" / "bin" / "gunicorn"),
        "config.wsgi:application",
        cwd=ROOT,
        env=env,
        port=port,
        workers=2,
        threads=1,
        logfile=WORK / f"gunicorn-pages-{db}.log",
    )
    ctx["pages_server"] = shlex.join([Path(cmd[0]).name, *cmd[1:]]).replace(str(ROOT) + "/", "")
    key = "pages" if group == "opinions" else f"{group}_pages"
    ctx[key] = []
    try:
        for page in setup["pages"]:
            if page.get("group", "opinions") != group:
                continue
            spec = {
                "url": f"http://127.0.0.1:{port}",
                "kind": "get",
                "connections": args.page_connections,
                "paths": [page["path"]],
                "cookies": setup["cookies"][page["user"]],
            }
            load({**spec, "seconds": 3}, f"page-warmup-{page['key']}-{db}")
            result = load({**spec, "seconds": args.page_seconds}, f"page-{page['key']}-{db}")
            ctx[key].append({**page, "figures": result})
    finally:
        stop(proc)


# --- django-helpdesk ----------------------------------------------------------------------------------

HD_SESSION = """
import django, json, os
django.setup()
from django.conf import settings
from django.contrib.auth import get_user_model
from django.test import Client
from helpdesk.models import Queue, Ticket
client = Client(HTTP_HOST="127.0.0.1")
client.force_login(get_user_model().objects.get(username="bench_staff"))
print(json.dumps({"cookie": {settings.SESSION_COOKIE_NAME: client.cookies[settings.SESSION_COOKIE_NAME].value},
                  "queue": Queue.objects.get(slug="citizens").pk, "tickets": Ticket.objects.count(),
                  "open": Ticket.objects.filter(status__in=[1, 2]).count()}))
"""


def helpdesk_python(code: str, env: dict) -> str:
    return run([str(HD / "venv" / "bin" / "python"), "-c", code], env, cwd=HD / "project", capture_output=True).stdout


def helpdesk(db: str, setup: dict, args, ctx: dict) -> None:
    if not (HD / "venv" / "bin" / "gunicorn").exists():
        log("django-helpdesk is not set up (bash bench/helpdesk/setup.sh): skipped")
        return
    env = helpdesk_env(db)
    env["DJANGO_SETTINGS_MODULE"] = "hdproject.settings"
    info = json.loads(helpdesk_python(HD_SESSION, env).strip().splitlines()[-1])
    ctx["hd_info"] = info
    ctx["hd_version"] = helpdesk_python(
        "import importlib.metadata as m; print(m.version('django-helpdesk'))", env
    ).strip()
    port = free_port()
    run_id = f"hd{db[:2]}{int(time.time())}"
    proc, cmd = serve(
        str(HD / "venv" / "bin" / "gunicorn"),
        "hdproject.wsgi:application",
        cwd=HD / "project",
        env=env,
        port=port,
        workers=args.workers,
        threads=args.threads,
        logfile=WORK / f"gunicorn-helpdesk-{db}.log",
    )
    ctx["hd_server"] = shlex.join([Path(cmd[0]).name, *cmd[1:]]).replace(str(ROOT) + "/", "")
    count_sql = (
        "from helpdesk.models import Ticket; print(Ticket.objects.filter(title__startswith='bench-{}-').count())"
    )
    try:
        spec = {
            "url": f"http://127.0.0.1:{port}",
            "kind": "helpdesk_form",
            "connections": args.connections,
            "per_address": 0,
            "path": "/tickets/submit/",
            "queue": info["queue"],
            "texts": setup["texts"],
        }
        load({**spec, "seconds": args.warmup, "run": f"warm{run_id}"}, f"helpdesk-submit-warmup-{db}")
        result = load({**spec, "seconds": args.seconds, "run": run_id}, f"helpdesk-submit-{db}")
        rows = int(helpdesk_python("import django; django.setup(); " + count_sql.format(run_id), env).strip())
        titles = helpdesk_python(
            "import django; django.setup(); from helpdesk.models import Ticket; "
            f"qs = Ticket.objects.filter(title__startswith='bench-{run_id}-'); "
            "print(qs.values('title').distinct().count())",
            env,
        ).strip()
        acks = result["acks"]
        result["check"] = {
            "rows": rows,
            "acks": len(acks),
            "distinct_acks": len(set(acks)),
            "distinct_titles": int(titles),
        }
        result["check"]["ok"] = rows == len(acks) == len(set(acks)) == int(titles)
        log(f"helpdesk rows check: {result['check']}")
        ctx["hd_submit"] = result
        # the staff list: the page, then the JSON of its table (what the page's script loads)
        page = urllib.request.Request(
            f"http://127.0.0.1:{port}/tickets/",
            headers={"Cookie": "; ".join(f"{k}={v}" for k, v in info["cookie"].items())},
        )
        html = urllib.request.urlopen(page, timeout=60).read().decode()
        query = re.search(r"datatables_ticket_list/([A-Za-z0-9=_-]+)", html).group(1)
        data = f"/datatables_ticket_list/{query}?draw=1&start=0&length=50"
        ctx["hd_pages"] = []
        for key, title, paths in (
            ("hd_list_page", "staff ticket list: the page (/tickets/)", ["/tickets/"]),
            ("hd_list_data", "staff ticket list: its first 50 rows (JSON)", [data]),
            ("hd_list", "staff ticket list as a user waits for it: page, then its rows", [["/tickets/", data]]),
        ):
            spec = {
                "url": f"http://127.0.0.1:{port}",
                "kind": "get",
                "connections": args.page_connections,
                "paths": paths,
                "cookies": info["cookie"],
            }
            load({**spec, "seconds": 3}, f"{key}-warmup-{db}")
            figures = load({**spec, "seconds": args.page_seconds}, f"{key}-{db}")
            ctx["hd_pages"].append({"key": key, "title": title, "path": paths[0], "figures": figures})
    finally:
        stop(proc)


# --- report -------------------------------------------------------------------------------------------


def fmt_load(f: dict) -> str:
    return f"{f['rate']:.1f} | {f['p50_ms']:.0f} | {f['p95_ms']:.0f} | {f['p99_ms']:.0f} | {f['max_ms']:.0f}"


def report(db: str, ctx: dict, args) -> str:
    m = ctx["machine"]
    lines = [
        f"# Opinions at {ctx['scale']} scale on {ctx['db_version']}: public submission and queues",
        "",
        f"Measured {ctx['date']} on {m['cpu']} ({m['cores']} cores, shared: load average"
        f" {ctx['load_before'][0]:.2f} before, {ctx['load_after'][0]:.2f} after), Python {m['python']}.",
        "",
        "Command: `" + ctx["command"] + "`",
        "",
        f"Data: {ctx['data']}.",
        "",
        "## Public submission (POST /api/opinions/, JSON, no phone, a new Idempotency-Key each)",
        "",
        f"Server: `{ctx.get('submit_server', '')}` (production settings, DEBUG off). Load:"
        f" bench/loadgen.py in a second process, {args.connections} keep-alive connections, closed loop,"
        f" {args.seconds} s after a {args.warmup} s warm-up; a connection moves to another loopback source address"
        " every 9 submissions, so the per-address limit of the public form (10 an hour) stays on and is not hit.",
        "",
        "| submissions/s | p50 ms | p95 ms | p99 ms | max ms | 2xx | other answers | errors | rows committed | rows = acks |",
        "|---:|---:|---:|---:|---:|---:|---|---|---:|:---:|",
    ]
    s = ctx.get("submit")
    if s:
        other = {k: v for k, v in s["statuses"].items() if not k.startswith("2")}
        c = s["check"]
        lines.append(
            f"| {s['ack_rate']:.1f} | {s['p50_ms']:.0f} | {s['p95_ms']:.0f} | {s['p99_ms']:.0f} | {s['max_ms']:.0f} |"
            f" {c['acks']} | {other or '—'} | {s['errors'] or '—'} | {c['rows']} | {'yes' if c['ok'] else '**no**'} |"
        )
        lines += [
            "",
            f"Check: {c['rows']} rows carry the run's idempotency keys; {c['acks']} acknowledgements ({c['distinct_acks']}"
            f" distinct tracking codes), {c['acked_rows_found']} of them found, {c['rows_not_acked']} rows without"
            f" an acknowledgement, {c['events']} 'submit' timeline entries.",
        ]
    lines += [
        "",
        "## Queues (logged in, p95 target under 100 ms)",
        "",
        f"Server: `{ctx.get('pages_server', '')}`. Load: {args.page_connections} connections, {args.page_seconds} s per page"
        " after a 3 s warm-up.",
        "",
        *PAGE_TABLE_HEAD,
    ]
    lines += page_rows(ctx.get("pages", []), ctx.get("profile", {}))
    return "\n".join(lines)


def page_rows(pages: list, profile: dict) -> list[str]:
    """The table rows of loaded pages and, below, the slowest query of each with its plan."""
    rows, plans = [], []
    for page in pages:
        f, prof = page["figures"], profile.get(page["key"], {})
        target = page.get("target_ms", 100)
        ok = "yes" if f["p95_ms"] < target and f["statuses"].get("200", 0) == f["requests"] else "**no**"
        rows.append(
            f"| {page['title']} | `{page['path']}` | {fmt_load(f)} | {prof.get('queries', '?')} |"
            f" {prof.get('median_ms', 0):.1f} | {target:,} | {ok} |"
        )
        if prof.get("slowest"):
            plans += [
                f"### {page['title']} ({prof['slowest']['ms']:.1f} ms of {prof['sql_ms']:.1f} ms SQL)",
                "",
                "```sql",
                prof["slowest"]["sql"][:2500],
                "```",
                "",
                "```",
                prof["plan"][:3000],
                "```",
                "",
            ]
    return [*rows, "", "Slowest query of each page and its plan:", "", *plans]


PAGE_TABLE_HEAD = [
    "| page | path | requests/s | p50 ms | p95 ms | p99 ms | max ms | SQL queries | alone ms (median) | p95 target ms | met |",
    "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|:---:|",
]


def proposals_report(db: str, ctx: dict, args) -> str:
    m = ctx["machine"]
    return "\n".join(
        [
            f"# Suggestions and motions at {ctx['scale']} scale on {ctx['db_version']}: the unit's queue, the"
            " overdue boards, the yearly report",
            "",
            f"Measured {ctx['date']} on {m['cpu']} ({m['cores']} cores, shared: load average"
            f" {ctx['load_before'][0]:.2f} before), Python {m['python']}.",
            "",
            "Command: `" + ctx["command"] + "`",
            "",
            f"Data: `gen_data --scale {args.scale}`: {ctx['suggestions']:,} suggestions and {ctx['motions']:,} motions"
            f" (see [gen_data-{db}.md](gen_data-{db}.md)), beside {ctx['opinions']:,} opinions. Accounts: the liaison"
            " officers of the province and of its busiest county (as in the opinions benchmark), the staff of the"
            " handling unit with most live suggestion and motion assignments. The report's computations alone,"
            " its .xlsx and .docx: [proposals-report-" + db + ".md](proposals-report-" + db + ".md).",
            "",
            f"Server: `{ctx.get('pages_server', '')}` (production settings). Load: bench/loadgen.py,"
            f" {args.page_connections} keep-alive connections, logged in, {args.page_seconds} s per page after a 3 s"
            " warm-up. Targets (issue 4): p95 under 100 ms for the pages, under 2 s for the full-year report.",
            "",
            *PAGE_TABLE_HEAD,
            *page_rows(ctx.get("proposals_pages", []), ctx.get("proposals_profile", {})),
        ]
    )


def bench(db: str, args) -> dict:
    WORK.mkdir(parents=True, exist_ok=True)
    RESULTS.mkdir(parents=True, exist_ok=True)
    env = liaison_env(db)
    ctx = {
        "date": datetime.datetime.now().strftime("%Y-%m-%d %H:%M"),
        "machine": machine(),
        "load_before": os.getloadavg(),
        "command": shlex.join(["python", "bench/opinions_bench.py", *sys.argv[1:]]),
        "scale": args.scale,
    }
    run([PY, "manage.py", "collectstatic", "--noinput", "-v", "0"], env)
    if not args.reuse_data:
        ctx["gen_output"], ctx["gen_seconds"] = run_pages.generate(db, env, args.scale)
    ctx["db_version"] = subprocess.run(
        [PY, "-c", "import django; django.setup(); from django.db import connection as c; cur = c.cursor(); "
         + ("cur.execute('select sqlite_version()'); print('SQLite', cur.fetchone()[0])" if db == "sqlite"
            else "cur.execute('show server_version'); print('PostgreSQL', cur.fetchone()[0].split()[0])")],
        env=env, cwd=ROOT, text=True, capture_output=True, check=True,
    ).stdout.strip()  # fmt: skip
    if not args.reuse_data and args.scale == run_pages.SCALE:
        ctx["database_url"] = env["DATABASE_URL"].replace(str(ROOT) + "/", "")
        ctx["ran_by"] = "bench/opinions_bench.py"
        (RESULTS / f"gen_data-{db}.md").write_text(run_pages.gen_report(db, ctx))
    run([PY, "bench/opinions_pages.py", "setup", str(WORK)], env)
    setup = json.loads((WORK / "setup.json").read_text())
    ctx["opinions"] = setup["opinions"]
    ctx["data"] = (
        f"`gen_data --scale {args.scale}`: {setup['opinions']:,} opinions (see [gen_data-{db}.md]"
        f"(gen_data-{db}.md)); accounts: a liaison officer of the province, one of {setup['county']['name']}"
        " (the county whose office has most open opinions), the staff of the unit with most open assignments"
    )
    if "submit" in args.jobs:
        liaison_submit(db, env, setup, args, ctx)
    if "pages" in args.jobs:
        liaison_pages(db, env, setup, args, ctx)
        run([PY, "bench/opinions_pages.py", "profile", str(WORK), "opinions"], env)
        ctx["profile"] = json.loads((WORK / "profile-opinions.json").read_text())
    if "proposals" in args.jobs:
        liaison_pages(db, env, setup, args, ctx, group="proposals")
        run([PY, "bench/opinions_pages.py", "profile", str(WORK), "proposals"], env)
        ctx["proposals_profile"] = json.loads((WORK / "profile-proposals.json").read_text())
        ctx["suggestions"], ctx["motions"] = setup["suggestions"], setup["motions"]
        (RESULTS / f"proposals-pages-{db}.md").write_text(proposals_report(db, ctx, args))
        log(f"wrote bench/results/proposals-pages-{db}.md")
    if "helpdesk" in args.jobs:
        helpdesk(db, setup, args, ctx)
    ctx["load_after"] = os.getloadavg()
    if args.jobs & {"submit", "pages", "helpdesk"}:
        (RESULTS / f"opinions-{db}.md").write_text(report(db, ctx, args))
        log(f"wrote bench/results/opinions-{db}.md")
    (WORK / f"ctx-{db}.json").write_text(json.dumps(ctx, ensure_ascii=False, indent=1, default=str))
    return ctx


def compare(contexts: dict, args) -> str:
    first = next(iter(contexts.values()))
    lines = [
        "# Liaison's opinions and django-helpdesk, side by side",
        "",
        "The same two jobs in the same run, on the same machine, database kind and server settings, with the"
        " same load generator (bench/loadgen.py): a citizen's public submission, sustained, with every"
        " acknowledgement checked against the rows committed; and the staff's list of open items, logged in.",
        f"Liaison: `gen_data --scale {args.scale}` ({first.get('opinions', 0):,} opinions). django-helpdesk"
        f" {first.get('hd_version', '?')} from PyPI in its own venv (bench/helpdesk/setup.sh: a generated minimal"
        " project, 100,000 tickets over five years, about 5 % open or reopened — the list's default filter;"
        " e-mail rendered but not sent).",
        "",
        "Command: `python bench/opinions_bench.py "
        + " ".join(sys.argv[1:])
        + "` (after `bash bench/helpdesk/setup.sh`).",
        "",
        "| database | job | Liaison | django-helpdesk | ratio | goal |",
        "|---|---|---|---|---:|---|",
    ]
    for ctx in contexts.values():
        s, h = ctx.get("submit"), ctx.get("hd_submit")
        if s and h:
            ratio = s["ack_rate"] / h["ack_rate"] if h["ack_rate"] else float("inf")
            lines.append(
                f"| {ctx['db_version']} | public submission, {args.seconds} s, {args.connections} connections |"
                f" {s['ack_rate']:.1f}/s, p50 {s['p50_ms']:.0f} ms, p99 {s['p99_ms']:.0f} ms, rows = acks:"
                f" {'yes' if s['check']['ok'] else 'no'} ({s['check']['rows']})"
                f" | {h['ack_rate']:.1f}/s, p50 {h['p50_ms']:.0f} ms, p99 {h['p99_ms']:.0f} ms, rows = acks:"
                f" {'yes' if h['check']['ok'] else 'no'} ({h['check']['rows']})"
                f" | {ratio:.1f}× | ≥ 2× {'met' if ratio >= 2 else '**not met**'} |"
            )
        pages = {p["key"]: p["figures"] for p in ctx.get("pages", [])}
        hd = {p["key"]: p["figures"] for p in ctx.get("hd_pages", [])}
        if pages and "hd_list" in hd:
            worst = max(pages.items(), key=lambda kv: kv[1]["p95_ms"])
            h = hd["hd_list"]
            ratio = h["p95_ms"] / worst[1]["p95_ms"] if worst[1]["p95_ms"] else float("inf")
            lines.append(
                f"| {ctx['db_version']} | staff list of open items, p95 | slowest of the {len(pages)} queue pages"
                f" ({worst[0]}) at {ctx.get('opinions', 0):,} opinions: {worst[1]['p95_ms']:.0f} ms"
                f" (p50 {worst[1]['p50_ms']:.0f})"
                f" | ticket list (page + its rows) at 100,000 tickets: {h['p95_ms']:.0f} ms (p50 {h['p50_ms']:.0f})"
                f" | {ratio:.1f}× faster | faster at 20× the data: {'met' if ratio > 1 else '**not met**'} |"
            )
    lines += ["", "Details per database: " + ", ".join(f"[opinions-{db}.md](opinions-{db}.md)" for db in contexts), ""]
    for ctx in contexts.values():
        lines += [f"## {ctx['db_version']}: django-helpdesk", ""]
        h = ctx.get("hd_submit")
        if h:
            c = h["check"]
            lines += [
                f"Server: `{ctx['hd_server']}`; {ctx['hd_info']['tickets']:,} tickets before the run"
                f" ({ctx['hd_info']['open']:,} open or reopened).",
                "",
                "| job | requests/s | p50 ms | p95 ms | p99 ms | max ms | statuses | errors |",
                "|---|---:|---:|---:|---:|---:|---|---|",
                f"| public ticket form (POST /tickets/submit/, CSRF token from one GET per connection) | {fmt_load(h)} |"
                f" {h['statuses']} | {h['errors'] or '—'} |",
            ]
            for p in ctx.get("hd_pages", []):
                f = p["figures"]
                lines.append(f"| {p['title']} | {fmt_load(f)} | {f['statuses']} | {f['errors'] or '—'} |")
            lines += [
                "",
                f"Rows check: {c['rows']} tickets with the run's titles, {c['acks']} redirects to a new ticket"
                f" ({c['distinct_acks']} distinct), {c['distinct_titles']} distinct titles:"
                f" {'rows = acks' if c['ok'] else '**mismatch**'}.",
                "",
            ]
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--db", choices=["sqlite", "postgres", "both"], default="both")
    parser.add_argument("--reuse-data", action="store_true", help="keep the existing benchmark databases")
    parser.add_argument(
        "--jobs", default="submit,pages,helpdesk,proposals", help="any of submit,pages,helpdesk,proposals"
    )
    parser.add_argument("--workers", type=int, default=4, help="gunicorn workers for submissions (default 4)")
    parser.add_argument("--threads", type=int, default=1, help="threads per worker (gthread when > 1)")
    parser.add_argument("--connections", type=int, default=16, help="load generator connections (default 16)")
    parser.add_argument("--seconds", type=int, default=60, help="seconds of sustained submissions (default 60)")
    parser.add_argument("--warmup", type=int, default=5)
    parser.add_argument("--page-connections", type=int, default=2, help="connections per queue page (default 2)")
    parser.add_argument("--page-seconds", type=int, default=20)
    parser.add_argument("--scale", default="province", help="gen_data scale (a smaller one to try the harness)")
    args = parser.parse_args()
    args.jobs = set(args.jobs.split(","))
    contexts = {}
    for db in ["sqlite", "postgres"] if args.db == "both" else [args.db]:
        contexts[db] = bench(db, args)
    if "helpdesk" in args.jobs:
        name = "opinions-vs-helpdesk.md" if args.db == "both" else f"opinions-vs-helpdesk-{args.db}.md"
        (RESULTS / name).write_text(compare(contexts, args))
        log(f"wrote bench/results/{name}")


if __name__ == "__main__":
    main()
