"""Applying a load with wrk: one Lua script per scenario (bench/lua/), one thread.

One wrk thread drives a few thousand requests/s on a small share of one
core, which leaves the rest of the two cores to the server and the database.
"""

import asyncio
import json
import shutil
import tempfile
from pathlib import Path

from bench.config import LUA_DIR, PASSWORD
from bench.load import Load, LoadResult

RESULT_PREFIX = "BENCH_RESULT "
# Longer than any request should take, so that a slow one is measured, not dropped.
TIMEOUT = "10s"


def wrk_path() -> str | None:
    return shutil.which("wrk")


def _script_args(load: Load, data_file: Path) -> list[str]:
    if load.kind == "register":
        return [load.items[0], PASSWORD]
    data_file.write_text("\n".join(load.items) + "\n", encoding="utf-8")
    return [str(data_file), PASSWORD]


async def run_wrk(load: Load) -> LoadResult:
    wrk = wrk_path()
    if wrk is None:
        raise RuntimeError("wrk is not installed")
    with tempfile.TemporaryDirectory(prefix="bench-") as directory:
        args = _script_args(load, Path(directory) / "items.txt")
        process = await asyncio.create_subprocess_exec(
            wrk,
            "--threads=1",
            f"--connections={load.concurrency}",
            f"--duration={max(1, round(load.duration_secs))}s",
            f"--timeout={TIMEOUT}",
            f"--script={LUA_DIR / (load.kind + '.lua')}",
            f"http://127.0.0.1:{load.port}",
            "--",
            *args,
            cwd=LUA_DIR,  # the scripts load done.lua by a relative path
            stdout=asyncio.subprocess.PIPE,
        )
        stdout, _ = await process.communicate()
    for line in stdout.decode().splitlines():
        if line.startswith(RESULT_PREFIX):
            figures = json.loads(line.removeprefix(RESULT_PREFIX))
            return LoadResult(
                requests=figures["requests"],
                duration_secs=figures["duration_us"] / 1e6,
                p50_ms=figures["p50_us"] / 1e3,
                p90_ms=figures["p90_us"] / 1e3,
                p99_ms=figures["p99_us"] / 1e3,
                max_ms=figures["max_us"] / 1e3,
                errors=figures["errors"],
            )
    raise RuntimeError(f"wrk printed no result:\n{stdout.decode()}")
