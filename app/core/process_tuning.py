"""Process-wide tuning, applied once at start-up by the application's lifespan.

Each setting keeps a constraint of the serving process; `docs/performance.md`
has what was measured with and without it, and the command to measure again.
"""

import contextlib
import ctypes
import gc
import os
import platform
import threading

# Added to the niceness of the password-hashing threads: under CPU pressure a
# flood of logins slows logins down, not every other request.
HASHING_THREAD_NICENESS = 10

# glibc's mallopt() parameters, and the values given to them.
M_TRIM_THRESHOLD = -1
M_MMAP_THRESHOLD = -3
M_ARENA_MAX = -8
MMAP_THRESHOLD_BYTES = 32 * 1024 * 1024  # the most glibc accepts on 64 bits
TRIM_THRESHOLD_BYTES = 2 * MMAP_THRESHOLD_BYTES


def reuse_freed_memory() -> None:
    """One malloc arena with fixed thresholds, so Argon2's buffers are reused, not kept per thread.

    A hash holds megabytes for tens of milliseconds; with glibc's defaults each
    hashing thread's arena kept its own freed buffer, and the trim between
    hashes made each one fault its buffer in afresh. Set here, not through the
    environment, so that it holds however the server is started.
    """
    if platform.libc_ver()[0] != "glibc":  # pragma: no cover - the tests run on glibc
        return
    libc = ctypes.CDLL(None)
    libc.mallopt(M_ARENA_MAX, 1)
    libc.mallopt(M_MMAP_THRESHOLD, MMAP_THRESHOLD_BYTES)
    libc.mallopt(M_TRIM_THRESHOLD, TRIM_THRESHOLD_BYTES)


def lower_this_thread_priority() -> None:
    """Run in each password-hashing thread as it starts.

    Linux applies niceness per thread (a thread id is a `PRIO_PROCESS` who).
    Where the platform refuses, hashing keeps the normal priority.
    """
    thread_id = threading.get_native_id()
    with contextlib.suppress(OSError):
        niceness = os.getpriority(os.PRIO_PROCESS, thread_id) + HASHING_THREAD_NICENESS
        os.setpriority(os.PRIO_PROCESS, thread_id, niceness)


def freeze_startup_objects() -> None:
    """Take what start-up loaded (modules, routes, schemas) out of the cyclic GC's sight.

    Those objects live as long as the process; a full collection then scans
    only what requests allocate, instead of pausing the event loop for all.
    """
    gc.collect()
    gc.freeze()
