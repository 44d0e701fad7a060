"""How the app is served: gunicorn, never runserver (runserver adds about 40 ms to
every keep-alive request, which hides the app's own speed)."""

from __future__ import annotations

import ctypes
import ctypes.util
import sys
import time

from django.conf import settings


def gunicorn_argv(
    *,
    port: int,
    workers: int = 2,
    threads: int = 1,
    quiet: bool = False,
    app: str = "config.wsgi:application",
) -> list[str]:
    """The command line that serves `app` (config.wsgi) on 127.0.0.1:`port`."""
    argv = [
        sys.executable,
        "-m",
        "gunicorn",
        app,
        "--bind",
        f"127.0.0.1:{port}",
        "--workers",
        str(workers),
        "--threads",
        str(threads),
        "--chdir",
        str(settings.BASE_DIR),
        "--no-control-socket",  # several gunicorns may run on one machine (demo, benchmarks)
    ]
    if quiet:
        argv += ["--log-level", "warning"]
    return argv


def worker_argv(*, interval: float = 0.5) -> list[str]:
    """The command line of one task worker (django-tasks-db's db_worker) for this project."""
    return [
        sys.executable,
        str(settings.BASE_DIR / "manage.py"),
        "db_worker",
        "--interval",
        str(interval),
        "--no-reload",
        "--no-startup-delay",
    ]


def serve_with_worker(web: list[str], worker: list[str]) -> int:
    """Run the web server and a task worker side by side until the web server exits (Ctrl-C,
    SIGTERM); then stop the worker (it finishes its current task first: SIGTERM is graceful
    in db_worker) and return the web server's exit code."""
    import signal
    import subprocess

    def stop(signum, frame):
        raise SystemExit(128 + signum)

    previous = signal.signal(signal.SIGTERM, stop)
    worker_proc = subprocess.Popen(worker)
    web_proc = None
    try:
        web_proc = subprocess.Popen(web)
        return web_proc.wait()
    except (KeyboardInterrupt, SystemExit):
        if web_proc is not None and web_proc.poll() is None:
            web_proc.terminate()
        return web_proc.wait() if web_proc is not None else 1
    finally:
        if worker_proc.poll() is None:
            worker_proc.terminate()
            try:
                worker_proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                worker_proc.kill()
                worker_proc.wait()
        signal.signal(signal.SIGTERM, previous)


class HeapTrimmer:
    """Give the C heap's free pages back to the system at most once every `interval`
    seconds, after a response (a ``request_finished`` receiver, connected by config/wsgi.py).

    glibc keeps what a request freed: a worker that once rendered a large page (a source of
    2,000 statements builds about 10 MB of strings on the way) stays that large, since the
    freed pages lie between pages still in use and only the heap's top is given back by
    itself. ``malloc_trim(0)`` gives back every whole free page (0.1 ms). Trimming after
    every request made the next large page fault those pages in again (2 ms on the
    2,000-statement page); at most once a second, as jemalloc decays its free pages, costs
    nothing measurable. It runs only after a response: a busy worker is trimmed every second,
    and one that goes idle keeps what its last second of requests freed until its next
    request. Without glibc (musl, macOS) it does nothing."""

    def __init__(self, interval: float = 1.0) -> None:
        self.interval = interval
        self.last = time.monotonic()
        name = ctypes.util.find_library("c")
        libc = ctypes.CDLL(name) if name else None
        self.trim = getattr(libc, "malloc_trim", None)

    def __call__(self, **kwargs) -> bool:
        """Trim if the interval has passed since the last trim; True when it trimmed."""
        now = time.monotonic()
        if self.trim is None or now - self.last < self.interval:
            return False
        self.last = now
        self.trim(0)
        return True
