"""The shipped deployment files, read as their tools read them.

The Dockerfile's final stage (its `ENV` and `CMD`), `docker-compose.yml`
with Compose's `${VAR:-default}` defaults filled in, the Kubernetes objects
of a kustomization, the nginx configuration and the Makefile.
"""

import json
import re
import shlex
from pathlib import Path
from typing import Any

import yaml

from app.core.config import PROJECT_DIR

DOCKERFILE = PROJECT_DIR / "Dockerfile"
COMPOSE_FILE = PROJECT_DIR / "docker-compose.yml"
KUBERNETES_DIR = PROJECT_DIR / "deploy" / "kubernetes"
KUBERNETES_BASE = KUBERNETES_DIR / "base"
KUBERNETES_PRODUCTION = KUBERNETES_DIR / "overlays" / "production"
KUBERNETES_MONITORING = KUBERNETES_DIR / "monitoring"
NGINX_CONF = PROJECT_DIR / "deploy" / "nginx" / "default.conf"
MAKEFILE = PROJECT_DIR / "Makefile"

Manifest = dict[str, Any]

_COMPOSE_VARIABLE = re.compile(r"\$\{(\w+)(:?[-?])?([^}]*)\}")


def _final_stage_instructions() -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) of the last stage, continuation lines joined."""
    text = DOCKERFILE.read_text().replace("\\\n", " ")
    instructions = []
    for line in text.splitlines():
        stripped = line.strip()
        if stripped and not stripped.startswith("#"):
            name, _, arguments = stripped.partition(" ")
            instructions.append((name.upper(), arguments.strip()))
    last_from = max(i for i, (name, _) in enumerate(instructions) if name == "FROM")
    return instructions[last_from + 1 :]


def image_environment() -> dict[str, str]:
    """The image's `ENV` (`PATH` left out: it names the image's own directories)."""
    environment: dict[str, str] = {}
    for name, arguments in _final_stage_instructions():
        if name == "ENV":
            for pair in shlex.split(arguments):
                key, _, value = pair.partition("=")
                environment[key] = value
    environment.pop("PATH", None)
    return environment


def image_command() -> list[str]:
    """The image's `CMD`, in exec form."""
    commands = [arguments for name, arguments in _final_stage_instructions() if name == "CMD"]
    command: list[str] = json.loads(commands[-1])
    return command


def _default(match: re.Match[str]) -> str:
    name, operator, rest = match.groups()
    return rest if operator and "-" in operator else f"<{name}>"


def _with_defaults(value: Any) -> Any:
    """A Compose value, `${VAR:-default}` as its default and a required `${VAR}` as `<VAR>`."""
    if isinstance(value, str):
        return _COMPOSE_VARIABLE.sub(_default, value)
    if isinstance(value, dict):
        return {key: _with_defaults(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_with_defaults(item) for item in value]
    return value


def compose_file() -> dict[str, Any]:
    compose: dict[str, Any] = yaml.safe_load(COMPOSE_FILE.read_text())
    return compose


def compose_services() -> dict[str, dict[str, Any]]:
    """Each service of docker-compose.yml (anchors merged), variables at their defaults."""
    services: dict[str, dict[str, Any]] = _with_defaults(compose_file()["services"])
    return services


def kubernetes_objects(directory: Path) -> list[Manifest]:
    """The objects a kustomization lists (its resources, recursively; patches unapplied)."""
    kustomization = yaml.safe_load((directory / "kustomization.yaml").read_text())
    objects: list[Manifest] = []
    for entry in kustomization.get("resources", []):
        path = directory / entry
        if path.is_dir():
            objects += kubernetes_objects(path)
        else:
            objects += [document for document in yaml.safe_load_all(path.read_text()) if document]
    return objects


def containers(manifest: Manifest) -> list[Manifest]:
    """The containers of a workload object (Deployment, Job, ...), none for other kinds."""
    spec = manifest.get("spec", {}).get("template", {}).get("spec", {})
    found: list[Manifest] = spec.get("containers", []) + spec.get("initContainers", [])
    return found


def nginx_locations() -> dict[str, str]:
    """Each `location` of the nginx configuration (modifier and path) with its block."""
    text = re.sub(r"#[^\n]*", "", NGINX_CONF.read_text())
    return {
        " ".join(match.group(1).split()): match.group(2)
        for match in re.finditer(r"location\s+([^{]+?)\s*\{([^}]*)\}", text)
    }


def make_recipe(target: str) -> list[str]:
    """The recipe lines of a Makefile target."""
    lines = MAKEFILE.read_text().splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith(f"{target}:"))
    recipe = []
    for line in lines[start + 1 :]:
        if not line.startswith("\t"):
            break
        recipe.append(line.strip())
    return recipe
