"""Settings for the test suite: the development settings (DJANGO_DEBUG=1, the development
key), which pytest-django then runs with DEBUG off. Set in the environment too, so that
servers and workers the tests start as subprocesses get the same."""

import os

os.environ.setdefault("DJANGO_DEBUG", "1")

from config.settings import *  # noqa: E402, F403
