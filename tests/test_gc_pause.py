"""One pause of the cyclic garbage collector serves every bulk path: nested and
overlapping pauses resume it once, when the last ends, and never leave it off."""

from __future__ import annotations

import gc
import threading

from govern import gc_pause


def test_nested_pauses_resume_once_at_the_end():
    assert gc.isenabled()
    with gc_pause.paused():
        assert not gc.isenabled()
        with gc_pause.paused(settle=True):
            assert not gc.isenabled()
        assert not gc.isenabled()  # the outer pause is still running
    assert gc.isenabled()


def test_overlapping_pauses_in_threads_leave_the_collector_on():
    inner_started, outer_done = threading.Event(), threading.Event()
    seen = []

    def later():
        with gc_pause.paused():
            inner_started.set()
            outer_done.wait(5)
            seen.append(gc.isenabled())  # the first pause ended; this one still holds

    worker = threading.Thread(target=later)
    with gc_pause.paused():
        worker.start()
        inner_started.wait(5)
    outer_done.set()
    worker.join(5)
    assert seen == [False]
    assert gc.isenabled()


def test_an_error_inside_still_resumes():
    try:
        with gc_pause.paused():
            raise RuntimeError("boom")
    except RuntimeError:
        pass
    assert gc.isenabled()


def test_a_collector_disabled_before_stays_disabled():
    gc.disable()
    try:
        with gc_pause.paused():
            pass
        assert not gc.isenabled()
    finally:
        gc.enable()
