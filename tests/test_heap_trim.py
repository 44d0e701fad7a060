"""The served app gives freed heap pages back to the system, at most once a second
(claims.serving.HeapTrimmer, connected by config/wsgi.py)."""

from __future__ import annotations

import ctypes.util
from types import SimpleNamespace

import pytest
from django.core.signals import request_finished
from django.test import Client

from claims import serving

GLIBC = bool(ctypes.util.find_library("c")) and hasattr(
    ctypes.CDLL(ctypes.util.find_library("c")), "malloc_trim"
)


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def test_trims_at_most_once_per_interval(monkeypatch):
    clock = Clock()
    monkeypatch.setattr(serving, "time", SimpleNamespace(monotonic=clock))
    trimmer = serving.HeapTrimmer(interval=1.0)
    calls: list[int] = []
    trimmer.trim = calls.append
    assert trimmer() is False  # just made: the interval starts now
    clock.now += 0.5
    assert trimmer() is False
    clock.now += 0.6
    assert trimmer() is True
    assert calls == [0]
    clock.now += 0.9
    assert trimmer() is False
    clock.now += 0.2
    assert trimmer() is True
    assert calls == [0, 0]


def test_without_malloc_trim_it_does_nothing(monkeypatch):
    trimmer = serving.HeapTrimmer(interval=0)
    trimmer.trim = None
    assert trimmer() is False


def _rss_kib() -> int:
    with open("/proc/self/status") as f:
        return next(int(line.split()[1]) for line in f if line.startswith("VmRSS:"))


@pytest.mark.skipif(not GLIBC, reason="malloc_trim is glibc's (not on musl or macOS)")
def test_freed_pages_go_back_to_the_system():
    """Freed blocks between blocks still in use stay with the process until trimmed."""
    trimmer = serving.HeapTrimmer(interval=0)
    blocks = [bytearray(4000) for _ in range(20000)]  # about 80 MB, from the heap (< mmap's)
    keep = blocks[::50]  # one in 50 kept: most pages hold nothing after the others go
    del blocks
    before = _rss_kib()
    assert trimmer() is True
    after = _rss_kib()
    assert before - after > 30 * 1024, (before, after)
    assert len(keep) == 400


def test_the_served_app_trims_after_a_response(client: Client, monkeypatch):
    """config/wsgi.py connects one trimmer to request_finished; a response past its interval
    trims (and one within it does not)."""
    import config.wsgi  # noqa: F401 - connects the receiver

    # connected with weak=False: the receiver itself, not a weak reference
    trimmers = [r for key, r, *_ in request_finished.receivers if key[0] == "claims_heap_trim"]
    assert len(trimmers) == 1 and isinstance(trimmers[0], serving.HeapTrimmer)
    trimmer = trimmers[0]
    calls: list[int] = []
    monkeypatch.setattr(trimmer, "trim", calls.append)
    monkeypatch.setattr(trimmer, "last", serving.time.monotonic() - 10)
    assert client.get("/healthz").status_code == 200
    assert calls == [0]
    assert client.get("/healthz").status_code == 200
    assert calls == [0]  # within the interval: not again
