#!/usr/bin/env python3
"""A small closed-loop HTTP/1.1 load generator (standard library only, so that it runs under any
Python, the Liaison venv or the django-helpdesk one), for the opinions benchmarks.

    python bench/loadgen.py SCENARIO.json OUT.json

SCENARIO.json says what to send:

    {"url": "http://127.0.0.1:8123", "seconds": 60, "connections": 32, "per_address": 9,
     "kind": "liaison_api" | "helpdesk_form" | "get",
     ... kind-specific fields (see the classes below) ...}

Each of `connections` keep-alive connections sends its next request as soon as the previous answer is
read (closed loop). When `per_address` is set, a connection is closed after that many requests and
opened again from another source address of 127.0.0.0/8 (consecutive ones, from a random start in
127.1.0.1 … 127.254.254.255, so that neither the warm-up nor an earlier run has used them), so that the
server's per-address limits see many citizens, as they would in production. When the time is up no
new request is sent and the ones in flight are awaited, so that every request has an answer: the
acknowledgements written to OUT.json can then be compared with the rows committed.

OUT.json: requests, seconds, rate, latency percentiles (ms), status counts, errors, and `acks` (the
tracking codes or ticket ids that the server acknowledged)."""

import asyncio
import itertools
import json
import random
import re
import socket
import statistics
import sys
import time
import urllib.parse
import uuid


def percentile(values: list[float], p: float) -> float:
    if not values:
        return 0.0
    ordered = sorted(values)
    k = (len(ordered) - 1) * p / 100
    lo, hi = int(k), min(int(k) + 1, len(ordered) - 1)
    return ordered[lo] + (ordered[hi] - ordered[lo]) * (k - lo)


class Connection:
    """One HTTP/1.1 keep-alive connection from a chosen source address."""

    def __init__(self, host: str, port: int, source: str | None):
        self.host, self.port, self.source = host, port, source
        self.reader = self.writer = None
        self.cookies: dict[str, str] = {}

    async def open(self) -> None:
        local = (self.source, 0) if self.source else None
        self.reader, self.writer = await asyncio.open_connection(self.host, self.port, local_addr=local)
        sock = self.writer.get_extra_info("socket")
        if sock is not None:
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

    async def close(self) -> None:
        if self.writer is not None:
            self.writer.close()
            try:
                await self.writer.wait_closed()
            except OSError:
                pass
        self.reader = self.writer = None

    async def request(self, method: str, path: str, headers: dict, body: bytes = b"") -> tuple[int, dict, bytes]:
        if self.writer is None:
            await self.open()
        lines = [f"{method} {path} HTTP/1.1", f"Host: {self.host}:{self.port}", "Connection: keep-alive"]
        if self.cookies:
            lines.append("Cookie: " + "; ".join(f"{k}={v}" for k, v in self.cookies.items()))
        for k, v in headers.items():
            lines.append(f"{k}: {v}")
        if body or method == "POST":
            lines.append(f"Content-Length: {len(body)}")
        self.writer.write(("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + body)
        status_line = await self.reader.readline()
        if not status_line:
            raise ConnectionError("connection closed by the server")
        status = int(status_line.split()[1])
        response_headers: dict[str, str] = {}
        set_cookies = []
        while True:
            line = await self.reader.readline()
            if line in (b"\r\n", b"\n", b""):
                break
            name, _, value = line.decode("latin-1").partition(":")
            name, value = name.strip().lower(), value.strip()
            if name == "set-cookie":
                set_cookies.append(value)
            response_headers[name] = value
        for cookie in set_cookies:
            pair = cookie.split(";", 1)[0]
            k, _, v = pair.partition("=")
            self.cookies[k.strip()] = v.strip()
        if response_headers.get("transfer-encoding", "").lower() == "chunked":
            chunks = []
            while True:
                size = int((await self.reader.readline()).split(b";")[0], 16)
                if size == 0:
                    await self.reader.readline()
                    break
                chunks.append(await self.reader.readexactly(size))
                await self.reader.readline()
            data = b"".join(chunks)
        elif "content-length" in response_headers:
            data = await self.reader.readexactly(int(response_headers["content-length"]))
        elif method == "HEAD" or status in (204, 304):
            data = b""
        else:
            data = await self.reader.read()
            await self.close()
        if response_headers.get("connection", "").lower() == "close":
            await self.close()
        return status, response_headers, data


# --- what to send ------------------------------------------------------------------------------------


class LiaisonApi:
    """POST /api/opinions/ as JSON, no phone (no SMS code), a unique Idempotency-Key each; the ack
    is the tracking code of a 201 answer. Fields: texts (list), regions (list of region ids)."""

    def __init__(self, spec: dict):
        self.texts, self.regions = spec["texts"], spec["regions"]
        self.run = spec.get("run") or uuid.uuid4().hex[:12]
        self.counter = itertools.count(1)
        self.rng = random.Random(spec.get("seed", 1))

    async def prepare(self, conn: Connection) -> None:
        return None

    def next(self):
        n = next(self.counter)
        key = f"bench-{self.run}-{n:08d}"
        body = {
            "text": self.rng.choice(self.texts),
            "region_id": self.rng.choice(self.regions),
            "idempotency_key": key,
        }
        if self.rng.random() < 0.4:
            body["name"] = "压测群众"
        headers = {"Content-Type": "application/json", "Idempotency-Key": key, "Accept": "application/json"}
        return "POST", "/api/opinions/", headers, json.dumps(body, ensure_ascii=False).encode()

    def ack(self, status: int, headers: dict, body: bytes) -> str | None:
        if status == 201:
            return json.loads(body)["tracking_code"]
        return None


class HelpdeskForm:
    """django-helpdesk's public ticket form: a GET of the form once per connection (its CSRF cookie
    and token, as a browser has them), then POSTs; the ack is the ticket id in the redirect to the
    public ticket view. Fields: path (the form's path), queue (its id), texts."""

    TOKEN = re.compile(rb'name="csrfmiddlewaretoken" value="([^"]+)"')

    def __init__(self, spec: dict):
        self.path, self.queue, self.texts = spec["path"], spec["queue"], spec["texts"]
        self.run = spec.get("run") or uuid.uuid4().hex[:12]
        self.counter = itertools.count(1)
        self.rng = random.Random(spec.get("seed", 1))
        self.tokens: dict[int, str] = {}

    async def prepare(self, conn: Connection) -> None:
        status, _headers, body = await conn.request("GET", self.path, {})
        match = self.TOKEN.search(body)
        if status != 200 or not match:
            raise RuntimeError(f"no CSRF token on {self.path} (HTTP {status})")
        self.tokens[id(conn)] = match.group(1).decode()

    def next(self, conn: Connection | None = None):
        n = next(self.counter)
        form = {
            "csrfmiddlewaretoken": self.tokens[id(conn)],
            "queue": str(self.queue),
            "title": f"bench-{self.run}-{n:08d}",
            "body": self.rng.choice(self.texts),
            "submitter_email": f"citizen{n}@example.cn",
            "priority": "3",
        }
        headers = {
            "Content-Type": "application/x-www-form-urlencoded",
            "Referer": f"http://{conn.host}:{conn.port}{self.path}",
        }
        return "POST", self.path, headers, urllib.parse.urlencode(form).encode()

    def ack(self, status: int, headers: dict, body: bytes) -> str | None:
        if status in (301, 302, 303):
            query = urllib.parse.urlparse(headers.get("location", "")).query
            ticket = urllib.parse.parse_qs(query).get("ticket", [""])[0]
            return ticket or headers.get("location")
        return None


class Get:
    """GET the listed paths in turn with the given cookies; a 200 is an ack. Fields: paths, cookies.
    A path may be a list of paths: they are fetched one after the other and timed as one (a page and
    the data it then loads)."""

    def __init__(self, spec: dict):
        self.paths, self.cookies = spec["paths"], spec.get("cookies", {})
        self.counter = itertools.count()
        self.headers = spec.get("headers", {})

    async def prepare(self, conn: Connection) -> None:
        conn.cookies.update(self.cookies)

    def next(self):
        return "GET", self.paths[next(self.counter) % len(self.paths)], dict(self.headers), b""

    def ack(self, status: int, headers: dict, body: bytes) -> str | None:
        return "ok" if status == 200 else None


KINDS = {"liaison_api": LiaisonApi, "helpdesk_form": HelpdeskForm, "get": Get}


async def run(spec: dict) -> dict:
    url = urllib.parse.urlparse(spec["url"])
    host, port = url.hostname, url.port
    scenario = KINDS[spec["kind"]](spec)
    seconds, connections = float(spec["seconds"]), int(spec["connections"])
    per_address = int(spec.get("per_address") or 0)
    # Each run starts at a random place among the 16 million addresses of 127.1.0.1 … 127.254.254.255:
    # the warm-up and earlier runs within the hour counted against the addresses they used.
    addresses = itertools.count(random.SystemRandom().randrange(0, 250 * 65025))
    latencies: list[float] = []
    statuses: dict[int, int] = {}
    errors: dict[str, int] = {}
    acks: list[str] = []
    samples: list[str] = []
    started = time.perf_counter()
    deadline = started + seconds

    def source() -> str | None:
        if not per_address:
            return None
        n = next(addresses)
        return f"127.{1 + n // 65025}.{n // 255 % 255}.{n % 255 + 1}"

    async def worker(index: int) -> None:
        conn = Connection(host, port, source())
        used = 0
        needs_prepare = True
        while time.perf_counter() < deadline:
            if per_address and used >= per_address:
                await conn.close()
                conn = Connection(host, port, source())
                used, needs_prepare = 0, True
            try:
                if needs_prepare:
                    await scenario.prepare(conn)
                    needs_prepare = False
                method, path, headers, body = (
                    scenario.next(conn) if isinstance(scenario, HelpdeskForm) else scenario.next()
                )
                t0 = time.perf_counter()
                for one in [path] if isinstance(path, str) else path:
                    status, response_headers, data = await conn.request(method, one, headers, body)
                    if status != 200:
                        break
                latencies.append((time.perf_counter() - t0) * 1000)
            except (OSError, ConnectionError, asyncio.IncompleteReadError, RuntimeError, ValueError) as exc:
                errors[type(exc).__name__] = errors.get(type(exc).__name__, 0) + 1
                await conn.close()
                conn = Connection(host, port, source())
                used, needs_prepare = 0, True
                await asyncio.sleep(0.05)
                continue
            used += 1
            statuses[status] = statuses.get(status, 0) + 1
            ref = scenario.ack(status, response_headers, data)
            if ref is not None:
                acks.append(ref)
            elif len(samples) < 5:
                samples.append(f"{status} {data[:300]!r}")
        await conn.close()

    await asyncio.gather(*(worker(i) for i in range(connections)))
    elapsed = time.perf_counter() - started
    ok = latencies
    return {
        "requests": len(latencies),
        "seconds": round(elapsed, 3),
        "rate": round(len(latencies) / elapsed, 1),
        "ack_rate": round(len(acks) / elapsed, 1),
        "p50_ms": round(percentile(ok, 50), 1),
        "p90_ms": round(percentile(ok, 90), 1),
        "p95_ms": round(percentile(ok, 95), 1),
        "p99_ms": round(percentile(ok, 99), 1),
        "max_ms": round(max(ok, default=0), 1),
        "mean_ms": round(statistics.fmean(ok), 1) if ok else 0,
        "statuses": {str(k): v for k, v in sorted(statuses.items())},
        "errors": errors,
        "connections": connections,
        "per_address": per_address,
        "acks": acks,
        "unacknowledged_samples": samples,
    }


def main() -> None:
    spec = json.loads(open(sys.argv[1], encoding="utf-8").read())
    result = asyncio.run(run(spec))
    with open(sys.argv[2], "w", encoding="utf-8") as out:
        json.dump(result, out, ensure_ascii=False)
    brief = {k: v for k, v in result.items() if k not in ("acks",)}
    print(json.dumps(brief, ensure_ascii=False))


if __name__ == "__main__":
    main()
