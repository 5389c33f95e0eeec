"""Serving an ASGI app the way production does, and watching its workers' memory.

`uvicorn` with the production flags (no reload, no access log, uvloop,
httptools) in a child process, one port per target; the peak resident
memory of its workers is read from `/proc` (VmHWM), reset before each
scenario so that each reports its own peak.
"""

import asyncio
import contextlib
import signal
import sys
from dataclasses import dataclass
from pathlib import Path

from bench.config import PROJECT_DIR

STARTUP_TIMEOUT_SECS = 60.0
APP_SCRIPT = Path(sys.executable).with_name("app")
# The same flags as the Dockerfile's CMD, plus the port and worker count.
PRODUCTION_FLAGS = (
    "--proxy-headers",
    "--no-access-log",
    "--loop",
    "uvloop",
    "--http",
    "httptools",
)


@dataclass(frozen=True, slots=True)
class Server:
    process: asyncio.subprocess.Process
    port: int
    workers: int

    def worker_pids(self) -> list[int]:
        """The processes that serve requests: the server itself, or its children."""
        if self.workers == 1:
            return [self.process.pid]
        children = Path(f"/proc/{self.process.pid}/task/{self.process.pid}/children")
        return [int(pid) for pid in children.read_text().split()]

    def all_pids(self) -> list[int]:
        """The workers and, with several, the supervisor that started them."""
        return sorted({self.process.pid, *self.worker_pids()})

    def reset_peak_memory(self) -> None:
        for pid in self.worker_pids():
            # "5" resets VmHWM (Linux >= 4.0); without it, peaks run from start.
            with contextlib.suppress(OSError):
                Path(f"/proc/{pid}/clear_refs").write_text("5")

    def _largest_worker_kib(self, field: str) -> int:
        largest = 0
        for pid in self.worker_pids():
            for line in Path(f"/proc/{pid}/status").read_text().splitlines():
                if line.startswith(field):
                    largest = max(largest, int(line.split()[1]))
        return largest

    def peak_memory_mib(self) -> float:
        """The highest VmHWM among the workers since the last reset, in MiB."""
        return self._largest_worker_kib("VmHWM:") / 1024

    def memory_mib(self) -> float:
        """The resident memory (VmRSS) of the largest worker now, in MiB."""
        return self._largest_worker_kib("VmRSS:") / 1024


async def _answers(port: int) -> bool:
    try:
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
    except OSError:
        return False
    try:
        writer.write(b"GET /health/live HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
        await writer.drain()
        return (await reader.readline()).startswith(b"HTTP/1.1")
    except OSError:
        return False
    finally:
        writer.close()


async def start_server(
    *, target: str, port: int, workers: int, env: dict[str, str], factory: bool = False
) -> Server:
    args = [sys.executable, "-m", "uvicorn", target, "--host", "127.0.0.1", "--port", str(port)]
    args += ["--workers", str(workers), "--log-level", "warning", *PRODUCTION_FLAGS]
    if factory:
        args.append("--factory")
    return await _start(args, target=target, port=port, workers=workers, env=env)


async def start_app_serve(*, port: int, workers: int, env: dict[str, str]) -> Server:
    """`app serve --workers N`, as the command line serves (metrics in shared files when N > 1)."""
    args = [str(APP_SCRIPT), "serve", "--host", "127.0.0.1", "--port", str(port)]
    args += ["--workers", str(workers)]
    return await _start(args, target="app serve", port=port, workers=workers, env=env)


async def _start(
    args: list[str], *, target: str, port: int, workers: int, env: dict[str, str]
) -> Server:
    process = await asyncio.create_subprocess_exec(*args, env=env, cwd=PROJECT_DIR)
    server = Server(process=process, port=port, workers=workers)
    loop = asyncio.get_running_loop()
    deadline = loop.time() + STARTUP_TIMEOUT_SECS
    while not await _answers(port):
        if process.returncode is not None or loop.time() > deadline:
            await stop_server(server)
            raise RuntimeError(f"{target} did not start on port {port}")
        await asyncio.sleep(0.2)
    if workers > 1:
        await asyncio.sleep(2)  # one worker answered; let the others finish starting
    return server


async def stop_server(server: Server) -> None:
    if server.process.returncode is None:
        server.process.send_signal(signal.SIGTERM)
        try:
            await asyncio.wait_for(server.process.wait(), timeout=15)
        except TimeoutError:
            server.process.kill()
            await server.process.wait()
