"""Validate every kustomization under deploy/kubernetes against the Kubernetes schemas, offline.

With `kubectl` on PATH (it embeds kustomize), each kustomization is rendered
and every rendered object is validated: this checks the overlays' patches and
image overrides too. Without it, the references of each kustomization
(resources, patch files, and the objects the patches name) are checked and the
plain resource files are validated one by one.

The schemas come from the `kubernetes-validate` package (no network); strict
mode rejects unknown fields, and an unknown kind or apiVersion is an error.
Kinds of custom resources (the Prometheus Operator's ServiceMonitor) are
checked against the schemas in `.ci/schemas/`, as strictly.

    uv run python .ci/validate_kubernetes.py
"""

import json
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import jsonschema
import yaml
from kubernetes_validate import utils as kubernetes_schemas

ROOT = Path(__file__).resolve().parents[1] / "deploy" / "kubernetes"
KUBERNETES_VERSION = kubernetes_schemas.latest_version()
CUSTOM_SCHEMAS = Path(__file__).resolve().parent / "schemas"
# (apiVersion, kind) of a custom resource -> its schema file in CUSTOM_SCHEMAS.
CUSTOM_KINDS = {
    ("monitoring.coreos.com/v1", "ServiceMonitor"): "servicemonitor-monitoring.coreos.com-v1.json",
}

Manifest = dict[str, Any]


def load_documents(text: str) -> list[Manifest]:
    return [document for document in yaml.safe_load_all(text) if document]


def object_key(manifest: Manifest) -> str:
    return f"{manifest['kind']}/{manifest['metadata']['name']}"


def custom_schema_errors(manifest: Manifest, schema_file: str) -> list[str]:
    schema = json.loads((CUSTOM_SCHEMAS / schema_file).read_text())
    return [
        f"{object_key(manifest)}: {'.'.join(str(part) for part in error.path) or '(top)'}: "
        f"{error.message}"
        for error in jsonschema.Draft202012Validator(schema).iter_errors(manifest)
    ]


def schema_errors(manifest: Manifest) -> list[str]:
    custom = CUSTOM_KINDS.get((manifest.get("apiVersion", ""), manifest.get("kind", "")))
    if custom is not None:
        return custom_schema_errors(manifest, custom)
    try:
        kubernetes_schemas.validate(manifest, KUBERNETES_VERSION, strict=True)
    except kubernetes_schemas.ValidationError as error:
        path = ".".join(str(part) for part in error.path) or "(top)"
        return [f"{object_key(manifest)}: {path}: {error.message}"]
    except kubernetes_schemas.SchemaNotFoundError as error:
        return [f"{object_key(manifest)}: {error.message}"]
    return []


def rendered_objects(directory: Path, kubectl: str, problems: list[str]) -> list[Manifest]:
    # A fixed program and a path of this repository: no untrusted input.
    result = subprocess.run(  # noqa: S603
        [kubectl, "kustomize", str(directory)], capture_output=True, text=True, check=False
    )
    if result.returncode != 0:
        problems.append(f"{directory}: kubectl kustomize failed: {result.stderr.strip()}")
        return []
    return load_documents(result.stdout)


def referenced_objects(directory: Path, problems: list[str]) -> list[Manifest]:
    """The objects of a kustomization's resources (recursively), patches unapplied."""
    kustomization = yaml.safe_load((directory / "kustomization.yaml").read_text())
    objects: list[Manifest] = []
    for entry in kustomization.get("resources", []):
        path = (directory / entry).resolve()
        if path.is_dir():
            objects += referenced_objects(path, problems)
        elif path.is_file():
            objects += load_documents(path.read_text())
        else:
            problems.append(f"{directory}: resource {entry} does not exist")
    known = {object_key(manifest) for manifest in objects}
    for patch in kustomization.get("patches", []):
        path = directory / patch["path"]
        if not path.is_file():
            problems.append(f"{directory}: patch {patch['path']} does not exist")
            continue
        for target in load_documents(path.read_text()):
            if object_key(target) not in known:
                problems.append(f"{path}: patches {object_key(target)}, which is not a resource")
    return objects


def main() -> int:
    kubectl = shutil.which("kubectl")
    mode = "rendered with kubectl kustomize" if kubectl else "kubectl absent: files checked"
    problems: list[str] = []
    for kustomization in sorted(ROOT.rglob("kustomization.yaml")):
        directory = kustomization.parent
        if kubectl:
            objects = rendered_objects(directory, kubectl, problems)
        else:
            objects = referenced_objects(directory, problems)
        for manifest in objects:
            problems += [f"{directory.relative_to(ROOT)}: {e}" for e in schema_errors(manifest)]
        print(f"{directory.relative_to(ROOT)}: {len(objects)} objects ({mode})")
    for problem in problems:
        print(f"ERROR {problem}", file=sys.stderr)
    print(f"Kubernetes {KUBERNETES_VERSION} schemas (strict): {len(problems)} problem(s)")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
