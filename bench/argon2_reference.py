"""Raw Argon2id throughput: the most logins/s the hashing could allow.

The same parameters as the service (SECURITY__PASSWORD_HASH_*), on as many
threads as it hashes on (SECURITY__PASSWORD_HASH_THREADS per worker), each
verifying a password in a loop, with no HTTP, database or event loop around it.
"""

import time
from concurrent.futures import ThreadPoolExecutor

from argon2 import PasswordHasher, Type

from app.core.config import Security
from bench.config import PASSWORD


def _verify_until(hasher: PasswordHasher, password_hash: str, deadline: float) -> int:
    count = 0
    while time.perf_counter() < deadline:
        hasher.verify(password_hash, PASSWORD)
        count += 1
    return count


def argon2_verifications_per_sec(settings: Security, threads: int, duration_secs: float) -> float:
    """Blocking: run it in a thread."""
    hasher = PasswordHasher(
        time_cost=settings.password_hash_time_cost,
        memory_cost=settings.password_hash_memory_kib,
        parallelism=settings.password_hash_parallelism,
        type=Type.ID,
    )
    password_hash = hasher.hash(PASSWORD)
    started = time.perf_counter()
    deadline = started + duration_secs
    with ThreadPoolExecutor(max_workers=threads) as executor:
        futures = [
            executor.submit(_verify_until, hasher, password_hash, deadline) for _ in range(threads)
        ]
        total = sum(future.result() for future in futures)
    return total / (time.perf_counter() - started)
