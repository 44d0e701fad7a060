"""Benchmark helpers: serve the app with gunicorn and time real HTTP requests.

    with gunicorn_server(sqlite_path="/tmp/bench.sqlite3") as base_url:
        client = BenchClient(base_url)
        client.login("bench", "pw")
        timing = time_requests(lambda: client.get("/sources/1/"), n=50)
        print(timing.line("reading page"))

A management command measures pages the same way twice: queries in process
(count_queries, with a Django test Client), then latency over HTTP
(signed_in_server, then time_gets for its list of (label, path, headers)).

The app is served by gunicorn, never runserver (runserver adds ~40 ms to each
keep-alive request). The client uses only the standard library (urllib with a
cookie jar), so a benchmark needs nothing beyond the app's requirements.
"""

from __future__ import annotations

import gzip
import http.cookiejar
import os
import re
import signal
import socket
import statistics
import subprocess
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from claims.serving import gunicorn_argv

BASE_DIR = Path(__file__).resolve().parent.parent


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def current_database_env() -> dict[str, str]:
    """The environment that points a server process at this process's database."""
    from django.conf import settings

    db = settings.DATABASES["default"]
    if db["ENGINE"].endswith("sqlite3"):
        return {"SQLITE_PATH": str(db["NAME"]), "DATABASE_URL": ""}
    return {"DATABASE_URL": os.environ.get("DATABASE_URL", "")}


@dataclass
class Server:
    base_url: str
    pid: int  # gunicorn's master process

    def worker_pids(self) -> list[int]:
        """The master's child processes (Linux /proc)."""
        path = Path(f"/proc/{self.pid}/task/{self.pid}/children")
        return [int(p) for p in path.read_text().split()] if path.exists() else []


def memory_kib(pid: int) -> dict[str, int]:
    """Resident (VmRSS) and proportional (Pss: shared pages split between the
    processes sharing them) memory of a process, in KiB (Linux /proc)."""
    out = {}
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            out["rss"] = int(line.split()[1])
    rollup = Path(f"/proc/{pid}/smaps_rollup")
    if rollup.exists():
        for line in rollup.read_text().splitlines():
            if line.startswith("Pss:"):
                out["pss"] = int(line.split()[1])
    return out


@contextmanager
def gunicorn_server(**kwargs) -> Iterator[str]:
    """Start gunicorn on a free loopback port; yield its base URL; stop it on exit.

    With neither `sqlite_path` nor `database_url`, the server uses the database
    this process is configured with (current_database_env()). Arguments as
    gunicorn_process().
    """
    with gunicorn_process(**kwargs) as server:
        yield server.base_url


@contextmanager
def gunicorn_process(
    *,
    sqlite_path: str | None = None,
    database_url: str | None = None,
    workers: int = 2,
    extra_env: dict[str, str] | None = None,
    timeout: float = 30.0,
    app: str = "config.wsgi:application",
    ready_path: str = "/healthz",
    port: int | None = None,
) -> Iterator[Server]:
    """gunicorn serving `app` on 127.0.0.1 (a free port unless given); stopped on exit."""
    env = os.environ.copy()
    if sqlite_path is not None:
        env.update({"SQLITE_PATH": sqlite_path, "DATABASE_URL": ""})
    elif database_url is not None:
        env["DATABASE_URL"] = database_url
    else:
        env.update(current_database_env())
    if not env.get("DATABASE_URL"):
        env.pop("DATABASE_URL", None)
    env.update(extra_env or {})
    port = port or free_port()
    base_url = f"http://127.0.0.1:{port}"
    cmd = gunicorn_argv(port=port, workers=workers, quiet=True, app=app)
    proc = subprocess.Popen(cmd, cwd=BASE_DIR, env=env, start_new_session=True)
    try:
        _wait_until_up(base_url + ready_path, proc, timeout)
        yield Server(base_url, proc.pid)
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGTERM)
            try:
                proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait()


def _wait_until_up(url: str, proc: subprocess.Popen, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"gunicorn exited with status {proc.returncode} before answering")
        try:
            with urllib.request.urlopen(url, timeout=2) as response:  # noqa: S310
                if response.status == 200:
                    return
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            pass
        time.sleep(0.1)
    raise RuntimeError(f"gunicorn did not answer on {url} within {timeout:.0f} s")


@dataclass
class Response:
    status: int
    body: str
    headers: dict[str, str]


class _BehindTLSProxy(http.cookiejar.DefaultCookiePolicy):
    """Send Secure cookies over the loopback too: the client stands where a TLS proxy would."""

    def return_ok_secure(self, cookie, request) -> bool:
        return True


class BenchClient:
    """A signed-in HTTP client built on urllib and a cookie jar (no extra dependency).

    `behind_proxy`: talk to production settings (secure cookies, HTTPS) as a TLS-ending
    proxy would: X-Forwarded-Proto: https on every request, Secure cookies sent anyway.
    `gzip`: ask for compressed responses, as browsers do (bodies are decompressed here).
    """

    def __init__(self, base_url: str, *, behind_proxy: bool = False, gzip: bool = False) -> None:
        self.base_url = base_url.rstrip("/")
        self.behind_proxy = behind_proxy
        self.gzip = gzip
        policy = _BehindTLSProxy() if behind_proxy else None
        self.cookies = http.cookiejar.CookieJar(policy)
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(self.cookies))
        self.last_wire_bytes = 0  # the body's size on the wire in the last response

    @property
    def origin(self) -> str:
        return self.base_url.replace("http://", "https://") if self.behind_proxy else self.base_url

    def cookie_header(self) -> str:
        """The Cookie header of a signed-in request (for wrk)."""
        return "; ".join(f"{c.name}={c.value}" for c in self.cookies)

    def _cookie(self, name: str) -> str:
        for cookie in self.cookies:
            if cookie.name == name:
                return cookie.value or ""
        return ""

    @property
    def csrf_token(self) -> str:
        return self._cookie("csrftoken")

    def request(
        self,
        method: str,
        path: str,
        data: dict[str, str] | None = None,
        headers: dict[str, str] | None = None,
    ) -> Response:
        body = urllib.parse.urlencode(data or {}).encode() if method != "GET" else None
        req = urllib.request.Request(self.base_url + path, data=body, method=method)  # noqa: S310
        for name, value in (headers or {}).items():
            req.add_header(name, value)
        if self.behind_proxy:
            req.add_header("X-Forwarded-Proto", "https")
        if self.gzip:
            req.add_header("Accept-Encoding", "gzip")
        if method != "GET":
            req.add_header("Content-Type", "application/x-www-form-urlencoded")
            req.add_header("X-CSRFToken", self.csrf_token)
            req.add_header("Referer", self.origin + path)
        try:
            with self.opener.open(req, timeout=60) as response:
                return Response(response.status, self._body(response), dict(response.headers))
        except urllib.error.HTTPError as exc:
            return Response(exc.code, self._body(exc, "replace"), dict(exc.headers))

    def _body(self, response, errors: str = "strict") -> str:
        raw = response.read()
        self.last_wire_bytes = len(raw)
        if response.headers.get("Content-Encoding") == "gzip":
            raw = gzip.decompress(raw)
        return raw.decode("utf-8", errors)

    def get(self, path: str, headers: dict[str, str] | None = None) -> Response:
        return self.request("GET", path, headers=headers)

    def post(
        self, path: str, data: dict[str, str], headers: dict[str, str] | None = None
    ) -> Response:
        return self.request("POST", path, data=data, headers=headers)

    def login(self, username: str, password: str) -> None:
        page = self.get("/login/")
        match = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.body)
        if not match:
            raise RuntimeError("The login page has no CSRF token")
        response = self.post(
            "/login/",
            {"csrfmiddlewaretoken": match.group(1), "username": username, "password": password},
        )
        if response.status != 200 or not self._cookie("sessionid"):
            raise RuntimeError(f"Login as {username} failed (status {response.status})")


@dataclass
class Timing:
    samples: list[float]  # seconds

    @property
    def median_ms(self) -> float:
        return statistics.median(self.samples) * 1000

    @property
    def p95_ms(self) -> float:
        ordered = sorted(self.samples)
        index = max(0, min(len(ordered) - 1, round(0.95 * len(ordered)) - 1))
        return ordered[index] * 1000

    def line(self, label: str) -> str:
        return (
            f"{label}: median {self.median_ms:.1f} ms, p95 {self.p95_ms:.1f} ms "
            f"({len(self.samples)} requests)"
        )


def time_requests(
    send: Callable[[], Response], *, n: int = 30, warmup: int = 3, expect: int | None = 200
) -> Timing:
    """Call `send` `warmup` times untimed, then `n` times timed; check each status."""
    for _ in range(warmup):
        _check(send(), expect)
    samples = []
    for _ in range(n):
        began = time.perf_counter()
        response = send()
        samples.append(time.perf_counter() - began)
        _check(response, expect)
    return Timing(samples)


def _check(response: Response, expect: int | None) -> None:
    if expect is not None and response.status != expect:
        raise RuntimeError(
            f"Expected HTTP {expect}, got {response.status}: {response.body[:300]!r}"
        )


def latency_heading(*, workers: int, requests: int) -> str:
    return f"\nLatency served by gunicorn ({workers} workers), {requests} sequential requests each:"


@contextmanager
def signed_in_server(username: str, password: str, *, workers: int = 2) -> Iterator[BenchClient]:
    """gunicorn on this process's database, and a BenchClient signed in as `username`."""
    with gunicorn_server(workers=workers) as base_url:
        bench = BenchClient(base_url)
        bench.login(username, password)
        yield bench


def time_gets(
    bench: BenchClient, pages: Iterable[tuple[str, str, dict[str, str]]], *, n: int
) -> Iterator[str]:
    """For each (label, path, headers): time `n` GETs (after a warm-up) and yield the
    figures as a line."""
    for label, path, headers in pages:
        timing = time_requests(
            lambda path=path, headers=headers: bench.get(path, headers=headers), n=n
        )
        yield timing.line(label)


def count_queries(client, path: str, headers: dict[str, str] | None = None) -> int:
    """The queries one GET of `path` runs in this process, after an uncounted warm-up GET.

    `client` is a signed-in django.test.Client; an answer other than 200 stops the
    benchmark (CommandError).
    """
    from django.core.management.base import CommandError
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client.get(path, headers=headers)
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(path, headers=headers)
    if response.status_code != 200:
        raise CommandError(f"{path} answered {response.status_code}")
    return len(ctx.captured_queries)


def save_payloads(source, count: int, *, summary: str) -> list[dict[str, str]]:
    """What annotate.js posts for a selection: `count` sentences of the source's text by
    UTF-16 offsets, spoken by the first actor about the first claim, with `summary` (so
    that the benchmark can delete what it saved)."""
    from claims import anchoring
    from claims.models import Actor, Claim

    text = source.text
    speaker = Actor.objects.order_by("id").values_list("pk", flat=True).first()
    claim = Claim.objects.order_by("id").values_list("pk", flat=True).first()
    payloads = []
    start = 0
    for _ in range(count):
        start = text.find(". ", start + 1) + 2
        if start < 2:
            start = 0
        end = text.find(".", start) + 1 or len(text)
        payloads.append(
            {
                "exact": text[start:end],
                "start": str(anchoring.cp_to_utf16(text, start)),
                "end": str(anchoring.cp_to_utf16(text, end)),
                "prefix": text[max(0, start - 32) : start],
                "suffix": text[end : end + 32],
                "offsets_unit": "utf16",
                "speaker": str(speaker),
                "reporting": "reported",
                "claim": str(claim),
                "stance": "asserts",
                "summary": summary,
            }
        )
    return payloads
