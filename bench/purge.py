"""Housekeeping between loads, pluggable: `app purge` once the service has it, or any command.

`PURGE_COMMAND` (shell words, run with the server's environment) names the
command; empty, no purge runs. Unset, `app purge` runs when `app --help`
lists it, and nothing otherwise: the report then says that no purge ran.
"""

import asyncio
import os
import re
import shlex
import subprocess
import time
from dataclasses import dataclass

from bench.config import PROJECT_DIR
from bench.server import APP_SCRIPT


@dataclass(frozen=True, slots=True)
class PurgeRun:
    secs: float
    returncode: int
    # Its last line of output: `app purge` prints one line with its counts.
    output: str


def purge_command() -> list[str] | None:
    configured = os.environ.get("PURGE_COMMAND")
    if configured is not None:
        return shlex.split(configured) or None
    listing = subprocess.run(  # noqa: S603 - the project's own command line
        [str(APP_SCRIPT), "--help"], capture_output=True, text=True, check=False, cwd=PROJECT_DIR
    )
    if re.search(r"^\W*purge\b", listing.stdout, re.MULTILINE):
        return [str(APP_SCRIPT), "purge"]
    return None


async def run_purge(command: list[str], env: dict[str, str]) -> PurgeRun:
    started = time.perf_counter()
    process = await asyncio.create_subprocess_exec(
        *command,
        env=env,
        cwd=PROJECT_DIR,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
    )
    stdout, _ = await process.communicate()
    lines = stdout.decode(errors="replace").strip().splitlines()
    return PurgeRun(
        secs=time.perf_counter() - started,
        returncode=process.returncode or 0,
        output=lines[-1] if lines else "",
    )
