#!/usr/bin/env python3
"""Page speed at province scale, on SQLite and on PostgreSQL, under load from a second process.

    .venv/bin/python bench/run_pages.py                 # both databases (about 15 minutes)
    .venv/bin/python bench/run_pages.py --db sqlite     # one of them
    .venv/bin/python bench/run_pages.py --db postgres --reuse-data   # skip migrate + gen_data

For each database: a fresh database (SQLite file bench/.work/bench.sqlite3; PostgreSQL database
liaison_bench on 127.0.0.1:5432, user postgres), `migrate`, `gen_data --scale province` (timed), then
gunicorn with the production settings on 127.0.0.1, loaded by wrk (a separate process) on each page:
the deputy directory (first page, a deep page, filtered by region, pinyin search), a deputy's page and a
station's page. Writes bench/results/pages-<db>.md and bench/results/gen_data-<db>.md."""

import argparse
import datetime
import json
import os
import platform
import shlex
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
WORK = ROOT / "bench" / ".work"
RESULTS = ROOT / "bench" / "results"
PY = str(ROOT / ".venv" / "bin" / "python")
GUNICORN = str(ROOT / ".venv" / "bin" / "gunicorn")
WRK = shutil.which("wrk") or "/usr/bin/wrk"
PG_URL = "postgres://postgres@127.0.0.1:5432/liaison_bench"
TARGET_P95_MS = 50.0
SCALE = "province"
# Extra gen_data options for a run, e.g. BENCH_GEN_ARGS="--no-proposals" (they show in the reports).
GEN_ARGS = os.environ.get("BENCH_GEN_ARGS", "").split()


def log(message: str) -> None:
    print(f"[{datetime.datetime.now():%H:%M:%S}] {message}", flush=True)


def run(cmd: list[str], env: dict, **kwargs) -> subprocess.CompletedProcess:
    log("$ " + shlex.join(cmd))
    return subprocess.run(cmd, env=env, cwd=ROOT, check=True, text=True, **kwargs)


def bench_env(db: str) -> dict:
    env = dict(os.environ)
    env.update(
        {
            "DJANGO_SETTINGS_MODULE": "config.settings.production",
            "DJANGO_SECRET_KEY": "bench-only-not-secret-0123456789abcdefghijklmnopqrstuvwxyz-liaison",
            "FIELD_ENCRYPTION_KEY": "YmVuY2gtb25seS1maWVsZC1rZXktbm90LXNlY3JldCE=",
            "SECURE_SSL_REDIRECT": "false",
            "DJANGO_ALLOWED_HOSTS": "127.0.0.1",
            "DJANGO_DEBUG": "false",
            "STATIC_ROOT": str(WORK / "static"),
            "MEDIA_ROOT": str(WORK / "media"),
            "LOG_LEVEL": "WARNING",
            "DATABASE_URL": f"sqlite:///{WORK / 'bench.sqlite3'}" if db == "sqlite" else PG_URL,
        }
    )
    return env


def fresh_database(db: str, env: dict) -> None:
    if db == "sqlite":
        for suffix in ("", "-wal", "-shm"):
            (WORK / f"bench.sqlite3{suffix}").unlink(missing_ok=True)
        return
    for sql in ("DROP DATABASE IF EXISTS liaison_bench", "CREATE DATABASE liaison_bench"):
        run(["psql", "-h", "127.0.0.1", "-U", "postgres", "-q", "-c", sql], env)


def machine() -> dict:
    cpu = "unknown CPU"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return {"cpu": cpu, "cores": os.cpu_count(), "python": platform.python_version(), "load": os.getloadavg()}


def db_version(db: str, env: dict) -> str:
    code = "import django; django.setup(); from django.db import connection; c = connection.cursor(); " + (
        "c.execute('select sqlite_version()'); print('SQLite', c.fetchone()[0])"
        if db == "sqlite"
        else "c.execute('show server_version'); print('PostgreSQL', c.fetchone()[0])"
    )
    return subprocess.run([PY, "-c", code], env=env, cwd=ROOT, text=True, capture_output=True).stdout.strip()


def generate(db: str, env: dict, scale: str = SCALE) -> tuple[str, float]:
    fresh_database(db, env)
    run([PY, "manage.py", "migrate", "--noinput", "-v", "0"], env)
    t0 = time.perf_counter()
    out = run([PY, "manage.py", "gen_data", "--scale", scale, *GEN_ARGS], env, stdout=subprocess.PIPE).stdout
    seconds = time.perf_counter() - t0
    print(out)
    return out, seconds


def start_gunicorn(env: dict, port: int, workers: int, logfile: Path) -> subprocess.Popen:
    cmd = [
        GUNICORN,
        "config.wsgi:application",
        "--bind",
        f"127.0.0.1:{port}",
        "--workers",
        str(workers),
        "--worker-class",
        "sync",
        "--error-logfile",
        str(logfile),
        "--log-level",
        "warning",
    ]
    log("$ " + shlex.join(cmd))
    proc = subprocess.Popen(cmd, env=env, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT)
    deadline = time.time() + 60
    while time.time() < deadline:
        if proc.poll() is not None:  # it exited: the port was taken, or the settings refused to load
            raise SystemExit(f"gunicorn exited with {proc.returncode}; see {logfile}")
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=5) as response:
                if response.status == 200:
                    return proc
        except OSError:
            time.sleep(0.5)
    proc.terminate()
    raise SystemExit(f"gunicorn did not answer /healthz; see {logfile}")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def stop(proc: subprocess.Popen) -> None:
    proc.send_signal(signal.SIGTERM)
    try:
        proc.wait(timeout=30)
    except subprocess.TimeoutExpired:
        proc.kill()


def wrk(port: int, paths_file: Path, *, seconds: int, connections: int, threads: int) -> tuple[dict, list[str]]:
    cmd = [
        WRK,
        f"-t{threads}",
        f"-c{connections}",
        f"-d{seconds}s",
        "--latency",
        "--timeout",
        "10s",
        "-s",
        str(ROOT / "bench" / "wrk_paths.lua"),
        f"http://127.0.0.1:{port}",
        "--",
        str(paths_file),
    ]
    out = subprocess.run(cmd, cwd=ROOT, check=True, text=True, capture_output=True).stdout
    figures = json.loads([line for line in out.splitlines() if line.startswith("{")][-1])
    return figures, cmd


def report(db: str, ctx: dict) -> str:
    rel = lambda p: str(Path(p).relative_to(ROOT)) if str(p).startswith(str(ROOT)) else str(p)  # noqa: E731
    lines = [
        f"# Page speed on {ctx['db_version']} at {SCALE} scale",
        "",
        f"Measured {ctx['date']} on {ctx['machine']['cpu']} ({ctx['machine']['cores']} cores, shared with other"
        f" work: load average {ctx['load_before'][0]:.2f} before, {ctx['load_after'][0]:.2f} after), Python"
        f" {ctx['machine']['python']}.",
        "",
        "Command (from the repository root):",
        "",
        "```",
        ctx["command"],
        "```",
        "",
        f"Data: `manage.py gen_data --scale {' '.join([SCALE, *GEN_ARGS])}` ({ctx['data_summary']}); see"
        f" [gen_data-{db}.md](gen_data-{db}.md). Server: gunicorn, {ctx['workers']} sync workers,"
        " `config.settings.production` (DEBUG off; SECURE_SSL_REDIRECT=false because wrk speaks plain HTTP),"
        f" on 127.0.0.1. Load: wrk in a separate process, {ctx['threads']} thread(s), {ctx['connections']}"
        f" connections, {ctx['seconds']} s per page after a {ctx['warmup']} s warm-up; each page cycles"
        " through the paths listed (bench/pages.py picks them with a fixed seed).",
        "",
        f"Target: p95 under {TARGET_P95_MS:.0f} ms for every page.",
        "",
        "| page | paths | requests/s | p50 ms | p90 ms | p95 ms | p99 ms | max ms | non-2xx | SQL queries | p95 < 50 ms |",
        "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|:---:|",
    ]
    for item in ctx["scenarios"]:
        f, prof = item["figures"], ctx["profile"][item["key"]]
        ok = "yes" if f["p95_ms"] < TARGET_P95_MS and f["non_2xx"] == 0 else "**no**"
        lines.append(
            f"| {item['title']} | `{item['paths'][0]}`{' …' if len(item['paths']) > 1 else ''} | {f['rps']:.1f} |"
            f" {f['p50_ms']:.1f} | {f['p90_ms']:.1f} | {f['p95_ms']:.1f} | {f['p99_ms']:.1f} | {f['max_ms']:.1f} |"
            f" {f['non_2xx']} | {prof['queries']} | {ok} |"
        )
    lines += [
        "",
        'The deep page is measured where a reader gets to by following "next" about 4,700 times: the'
        ' directory pages by keyset, each "next" link carrying the sort key (pinyin, person, mandate) of'
        " the last row shown, so the page's rows are read from the order index starting at that key. Until"
        " 2026-11-22 this row measured `/deputies/?page=4687` (OFFSET, which walked ~112,000 index entries"
        " first: p95 57.6 ms on PostgreSQL, 43.2 ms on SQLite); page numbers are now offered for the first"
        " five pages only and served up to page 100.",
        "",
        "## The wrk command per page",
        "",
    ]
    for item in ctx["scenarios"]:
        lines.append(f"- {item['title']}: `{shlex.join([rel(c) for c in item['cmd']])}`")
    lines += [
        "",
        "## SQL per page (one request through Django's test client, after a warm-up request)",
        "",
        "`alone ms` is the median time of the page without concurrent load (20 requests in one process): the"
        " CPU a request costs; `SQL ms` is the part spent in the database in the captured request.",
        "",
        "| page | status | queries | SQL ms | request ms | slowest query ms | alone ms (median of 20) |",
        "|---|---:|---:|---:|---:|---:|---:|",
    ]
    for item in ctx["scenarios"]:
        p = ctx["profile"][item["key"]]
        slow = p["slowest"]["ms"] if p["slowest"] else 0
        lines.append(
            f"| {item['title']} | {p['status']} | {p['queries']} | {p['sql_ms']:.1f} | {p['ms']:.1f} | {slow:.1f} |"
            f" {p.get('median_ms', 0):.1f} |"
        )
    lines += ["", "Slowest query of each page and its plan:", ""]
    for item in ctx["scenarios"]:
        p = ctx["profile"][item["key"]]
        if not p["slowest"]:
            continue
        lines += [
            f"### {item['title']} ({p['slowest']['ms']:.1f} ms)",
            "",
            "```sql",
            p["slowest"]["sql"][:2000],
            "```",
            "",
            "```",
            p["plan"][:3000],
            "```",
            "",
        ]
    return "\n".join(lines)


def gen_report(db: str, ctx: dict) -> str:
    return "\n".join(
        [
            f"# `gen_data --scale {' '.join([SCALE, *GEN_ARGS])}` on {ctx['db_version']}",
            "",
            f"Measured {ctx['date']} on {ctx['machine']['cpu']} ({ctx['machine']['cores']} cores, shared; load"
            f" average {ctx['load_before'][0]:.2f} at the start). Wall-clock time of the command:"
            f" **{ctx['gen_seconds']:.0f} s** (limit: 600 s), into a freshly migrated database.",
            "",
            f"Command (run by {ctx.get('ran_by', 'bench/run_pages.py')}, from the repository root):",
            "",
            "```",
            f"DATABASE_URL={ctx['database_url']} DJANGO_SETTINGS_MODULE=config.settings.production \\",
            f"  .venv/bin/python manage.py gen_data --scale {' '.join([SCALE, *GEN_ARGS])}",
            "```",
            "",
            "Output (seconds per table are the time spent writing it; the rest is generating the rows in Python):",
            "",
            "```",
            ctx["gen_output"].strip(),
            "```",
            "",
        ]
    )


def bench(db: str, args) -> None:
    env = bench_env(db)
    WORK.mkdir(parents=True, exist_ok=True)
    RESULTS.mkdir(parents=True, exist_ok=True)
    ctx = {
        "date": datetime.datetime.now().strftime("%Y-%m-%d %H:%M"),
        "machine": machine(),
        "load_before": os.getloadavg(),
        "workers": args.workers,
        "connections": args.connections,
        "threads": args.threads,
        "seconds": args.seconds,
        "warmup": args.warmup,
        "database_url": env["DATABASE_URL"].replace(str(ROOT) + "/", ""),
        "command": f".venv/bin/python bench/run_pages.py --db {db}"
        + (f" --workers {args.workers}" if args.workers != 2 else "")
        + (f" --connections {args.connections}" if args.connections != 2 else "")
        + (f" --seconds {args.seconds}" if args.seconds != 20 else ""),
    }
    run([PY, "manage.py", "collectstatic", "--noinput", "-v", "0"], env)
    if not args.reuse_data:
        ctx["gen_output"], ctx["gen_seconds"] = generate(db, env)
    ctx["db_version"] = db_version(db, env)
    if not args.reuse_data:
        (RESULTS / f"gen_data-{db}.md").write_text(gen_report(db, ctx))
    paths_dir = WORK / f"paths-{db}"
    run([PY, "bench/pages.py", "paths", str(paths_dir)], env)
    run([PY, "bench/pages.py", "profile", str(paths_dir)], env)
    ctx["profile"] = json.loads((paths_dir / "profile.json").read_text())
    counts = subprocess.run(
        [
            PY,
            "-c",
            "import django; django.setup(); from liaison.deputies.models import Mandate, Person;"
            " from liaison.stations.models import Station, DutySlot;"
            " print(f'{Mandate.objects.count():,} mandates of {Person.objects.count():,} persons,"
            " {Station.objects.count():,} stations, {DutySlot.objects.count():,} duty slots')",
        ],
        env=env,
        cwd=ROOT,
        text=True,
        capture_output=True,
        check=True,
    ).stdout.strip()
    ctx["data_summary"] = counts
    scenarios = json.loads((paths_dir / "scenarios.json").read_text())
    args.port = args.port or free_port()
    proc = start_gunicorn(env, args.port, args.workers, WORK / f"gunicorn-{db}.log")
    try:
        for item in scenarios:
            paths_file = paths_dir / f"{item['key']}.txt"
            if args.warmup:
                wrk(args.port, paths_file, seconds=args.warmup, connections=args.connections, threads=args.threads)
            item["figures"], item["cmd"] = wrk(
                args.port, paths_file, seconds=args.seconds, connections=args.connections, threads=args.threads
            )
            f = item["figures"]
            log(
                f"{item['key']}: {f['rps']:.1f} req/s, p50 {f['p50_ms']:.1f} ms, p95 {f['p95_ms']:.1f} ms,"
                f" p99 {f['p99_ms']:.1f} ms, non-2xx {f['non_2xx']}"
            )
    finally:
        stop(proc)
    ctx["scenarios"] = scenarios
    ctx["load_after"] = os.getloadavg()
    out = RESULTS / f"pages-{db}.md"
    out.write_text(report(db, ctx))
    (WORK / f"pages-{db}.json").write_text(json.dumps(ctx, ensure_ascii=False, indent=1, default=str))
    log(f"wrote {out.relative_to(ROOT)}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--db", choices=["sqlite", "postgres", "both"], default="both")
    parser.add_argument("--reuse-data", action="store_true", help="keep the existing benchmark database")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers (default 2: one per core)")
    parser.add_argument("--connections", type=int, default=2, help="wrk connections (default 2: one per worker)")
    parser.add_argument("--threads", type=int, default=1, help="wrk threads (default 1)")
    parser.add_argument("--seconds", type=int, default=20, help="seconds of load per page (default 20)")
    parser.add_argument("--warmup", type=int, default=5, help="seconds of warm-up per page (default 5)")
    parser.add_argument("--port", type=int, default=0, help="gunicorn's port (default: a free one)")
    parser.add_argument("--scale", default="province", help="gen_data scale (smaller ones to try the harness)")
    args = parser.parse_args()
    global SCALE
    SCALE = args.scale
    if not Path(WRK).exists():
        sys.exit("wrk is needed (Debian: apt-get install wrk)")
    for db in ["sqlite", "postgres"] if args.db == "both" else [args.db]:
        bench(db, args)


if __name__ == "__main__":
    main()
