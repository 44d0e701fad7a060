"""How the app is served: gunicorn, never runserver (runserver adds about 40 ms to
every keep-alive request, which hides the app's own speed)."""

from __future__ import annotations

import sys

from django.conf import settings


def gunicorn_argv(
    *, port: int, workers: int = 2, threads: int = 1, quiet: bool = False
) -> list[str]:
    """The command line that serves config.wsgi on 127.0.0.1:`port`."""
    argv = [
        sys.executable,
        "-m",
        "gunicorn",
        "config.wsgi:application",
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
