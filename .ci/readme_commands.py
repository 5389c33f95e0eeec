"""Run the shell commands of README.md in a clean copy of this tree, with no uv on PATH.

Every command in the README must work on a machine with only Python 3.11+
and make. This script, with the standard library only (`make readme-check`):

1. Fails if the README calls uv anywhere, in a code block or inline code.
2. Copies the tree as git would commit it (tracked files, and untracked ones
   .gitignore keeps) into a temporary directory: no .venv/, .tools/ or .data/,
   so every target starts from nothing, on the embedded PostgreSQL.
3. Runs the commands of the ```bash blocks in README order, with every
   directory that holds a `uv` removed from PATH and the app's settings
   unset. What each command gets is decided by RULES, in order:
   - skipped, with the reason printed (Docker, the load test, the suite that
     .ci/run runs anyway, a database server of the reader's own);
   - served: started in the background; the check waits until its port
     accepts connections, and it runs until a later server needs that port,
     or the end;
   - otherwise run, and it must exit 0. Consecutive commands of a block run
     in one `bash -euo pipefail` (variables carry over), and curl fails on
     an HTTP error (`fail-with-body` in a .curlrc of its own).
   The README's ports 8000 and 1025 become free ports, so that the check
   never meets a server that is already running.
"""

import contextlib
import os
import re
import shlex
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
README = ROOT / "README.md"
START_TIMEOUT_SECS = 900  # the first server installs uv and every dependency
STOP_TIMEOUT_SECS = 40
# Settings a fresh machine does not have: the app's own and uv's.
CLEARED_ENV = re.compile(r"^(DATABASE|SECURITY|SMTP|THROTTLE|METRICS|SERVER)__|^UV_|^VIRTUAL_ENV$")
CLEARED_NAMES = {"ENVIRONMENT", "LOG_LEVEL", "LOG_FORMAT", "DATA_DIR", "PUBLIC_URL", "HOST"}
UV_CALL = re.compile(r"(^|[\s;&|(`$])uvx?\s")

Words = list[str]
# (matches the command's words after its VAR=value prefix, what to do):
# "skip: reason", "serve:http" or "serve:smtp".
RULES: list[tuple[Callable[[Words, Words], bool], str]] = [
    (
        lambda env, cmd: cmd[:1] == ["docker"],
        "skip: needs a Docker daemon (make lint checks the files)",
    ),
    (
        lambda env, cmd: len(cmd) > 1 and cmd[0] == "make" and cmd[1].startswith("bench"),
        "skip: a load test of minutes, run by hand",
    ),
    (lambda env, cmd: cmd[:2] == ["make", "test"], "skip: .ci/run runs the suite (twice)"),
    (
        lambda env, cmd: any(word.startswith("DATABASE__URL=") for word in env),
        "skip: names a PostgreSQL server of the reader's own",
    ),
    (lambda env, cmd: cmd[:2] == ["make", "smtp-catcher"], "serve:smtp"),
    (lambda env, cmd: cmd[:2] in (["make", "run"], ["make", "serve-prod"]), "serve:http"),
    (lambda env, cmd: cmd[:2] == [".venv/bin/app", "serve"], "serve:http"),
]


def code_blocks(text: str) -> list[list[str]]:
    """The commands of each ```bash block, continuation lines joined, comments dropped."""
    blocks = []
    for body in re.findall(r"^```(?:bash|sh|shell)\n(.*?)^```", text, re.M | re.S):
        joined = body.replace("\\\n", " ")
        commands = [line.strip() for line in joined.splitlines()]
        blocks.append([command for command in commands if command and command[0] != "#"])
    return blocks


def uv_calls(text: str) -> list[str]:
    """Code (blocks and inline spans) that calls uv."""
    code = re.findall(r"^```[a-z]*\n(.*?)^```", text, re.M | re.S)
    code += re.findall(r"`([^`\n]+)`", re.sub(r"^```.*?^```", "", text, flags=re.M | re.S))
    return [line for snippet in code for line in snippet.splitlines() if UV_CALL.search(line)]


def verdict(command: str) -> str:
    words = shlex.split(command, comments=True)
    env = [word for word in words if re.match(r"^[A-Za-z_]\w*=", word)]
    cmd = words[len(env) :] if words[: len(env)] == env else words
    for matches, action in RULES:
        if matches(env, cmd):
            return action
    return "run"


def path_without_uv() -> str:
    kept = [d for d in os.environ["PATH"].split(os.pathsep) if not (Path(d) / "uv").exists()]
    path = os.pathsep.join(kept)
    missing = [tool for tool in ("python3", "make") if shutil.which(tool, path=path) is None]
    if missing or shutil.which("uv", path=path):
        sys.exit(f"No PATH without uv that keeps {missing}: {path}")
    return path


def clean_copy(destination: Path) -> None:
    listed = subprocess.run(
        ["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],  # noqa: S607
        cwd=ROOT,
        capture_output=True,
        check=True,
    ).stdout.decode()
    for name in filter(None, listed.split("\0")):
        source = ROOT / name
        if source.is_file():
            (destination / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, destination / name)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


class Check:
    def __init__(self, work: Path) -> None:
        self.clone = work / "fastapi-auth-backend"
        self.logs = work / "logs"
        self.ports = {"http": free_port(), "smtp": free_port()}
        curl_home = work / "curl"
        for directory in (self.clone, self.logs, curl_home):
            directory.mkdir()
        (curl_home / ".curlrc").write_text("fail-with-body\n")
        self.env = {
            name: value
            for name, value in os.environ.items()
            if not CLEARED_ENV.search(name) and name not in CLEARED_NAMES
        }
        self.env.update(
            PATH=path_without_uv(),
            CURL_HOME=str(curl_home),
            PORT=str(self.ports["http"]),
            SMTP_PORT=str(self.ports["smtp"]),
        )
        self.servers: dict[int, subprocess.Popen[bytes]] = {}
        self.failures: list[str] = []

    def localised(self, command: str) -> str:
        command = re.sub(r"(?<=:)8000\b", str(self.ports["http"]), command)
        return re.sub(r"(?<=[=:])1025\b", str(self.ports["smtp"]), command)

    def run(self, commands: list[str]) -> None:
        if not commands:
            return
        script = "\n".join(["set -euo pipefail", *(f"set -x\n{c}\nset +x" for c in commands)])
        # The README's own commands, in a copy of this tree: what the check is for.
        result = subprocess.run(  # noqa: S603
            ["bash", "-c", script],  # noqa: S607
            check=False,
            cwd=self.clone,
            env=self.env,
        )
        if result.returncode != 0:
            self.failures.append(f"exit {result.returncode}: {commands}")

    def serve(self, command: str, kind: str) -> None:
        port = self.ports[kind]
        if port in self.servers:
            self.stop(self.servers.pop(port))
        log = self.logs / f"server-{len(list(self.logs.iterdir()))}.log"
        with log.open("wb") as output:
            process = subprocess.Popen(  # noqa: S603
                ["bash", "-c", command],  # noqa: S607
                cwd=self.clone,
                env=self.env,
                stdout=output,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        deadline = time.monotonic() + START_TIMEOUT_SECS
        while process.poll() is None and time.monotonic() < deadline:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
            except OSError:
                time.sleep(0.5)
                continue
            print(f"   serving on port {port}", flush=True)
            self.servers[port] = process
            return
        self.failures.append(f"did not serve on port {port}: {command}")
        print(log.read_text(errors="replace")[-4000:], file=sys.stderr)
        self.stop(process)

    def stop(self, process: subprocess.Popen[bytes]) -> None:
        """SIGTERM to the server's process group, SIGKILL if it outlives STOP_TIMEOUT_SECS."""
        for stop_signal in (signal.SIGTERM, signal.SIGKILL):
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, stop_signal)
            process.poll()
            if wait_until_gone(lambda: live_processes(group=process.pid)):
                return

    def close(self) -> None:
        for process in self.servers.values():
            self.stop(process)
        # The embedded PostgreSQL runs in a session of its own, and stops when
        # its last user exits; whatever still runs from the copy is stopped.
        for pid in live_processes(cmdline=str(self.clone)):
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGTERM)
        wait_until_gone(lambda: live_processes(cmdline=str(self.clone)))


def live_processes(*, group: int | None = None, cmdline: str | None = None) -> list[int]:
    """Processes (zombies aside) of a process group, or whose command line holds `cmdline`."""
    found = []
    for proc in Path("/proc").glob("[0-9]*"):
        try:
            # The fields after the name: state, parent, process group, ...
            stat = (proc / "stat").read_text().rpartition(")")[2].split()
            command = (proc / "cmdline").read_bytes().decode(errors="replace")
        except OSError:
            continue
        if stat[0] != "Z" and (stat[2] == str(group) or (cmdline and cmdline in command)):
            found.append(int(proc.name))
    return found


def wait_until_gone(processes: Callable[[], list[int]]) -> bool:
    deadline = time.monotonic() + STOP_TIMEOUT_SECS
    while processes():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.5)
    return True


def main() -> int:
    text = README.read_text()
    if calls := uv_calls(text):
        print("README.md calls uv, which a fresh machine does not have:", *calls, sep="\n  ")
        return 1
    with tempfile.TemporaryDirectory(prefix="readme-check-") as work:
        check = Check(Path(work))
        clean_copy(check.clone)
        try:
            for block in code_blocks(text):
                pending: list[str] = []
                docker_block = any(
                    verdict(command).startswith("skip: needs a Docker") for command in block
                )
                for command in block:
                    action = "skip: a Docker block" if docker_block else verdict(command)
                    print(f"== {action.split(':')[0].upper():5} {command}", flush=True)
                    if action == "run":
                        pending.append(check.localised(command))
                        continue
                    check.run(pending)
                    pending = []
                    if action.startswith("skip"):
                        print(f"   ({action[6:]})")
                    else:
                        check.serve(check.localised(command), action.split(":")[1])
                check.run(pending)
        finally:
            check.close()
    for failure in check.failures:
        print(f"FAILED {failure}", file=sys.stderr)
    print(f"README commands: {len(check.failures)} failure(s)")
    return 1 if check.failures else 0


if __name__ == "__main__":
    sys.exit(main())
