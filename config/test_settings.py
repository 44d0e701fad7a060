"""Settings for the test suite: the development settings (DJANGO_DEBUG=1, the development
key), which pytest-django then runs with DEBUG off. Set in the environment too, so that
servers and workers the tests start as subprocesses get the same."""

import atexit
import os
import shutil
import tempfile

os.environ.setdefault("DJANGO_DEBUG", "1")
if "DJANGO_SESSION_CACHE_DIR" not in os.environ:
    # this run's own session files (its servers and workers inherit the variable), so that
    # two test runs side by side never share them; removed when the run ends
    os.environ["DJANGO_SESSION_CACHE_DIR"] = tempfile.mkdtemp(prefix="claims-test-sessions-")
    atexit.register(shutil.rmtree, os.environ["DJANGO_SESSION_CACHE_DIR"], ignore_errors=True)

from config.settings import *  # noqa: E402, F403
