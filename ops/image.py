"""`make image`: the container image (Containerfile), built with podman and tagged by a hash of its inputs.

The tag is `localhost/youarenotalone:<hash>`; an image with the current inputs' tag is never built twice, so
`make image`, `make test` and the kube-play test build it at most once per change. The Debian base image is made by
debootstrap when missing (no registry is needed). pip inside the build uses the host's local package indexes
and certificate bundle (`pip config`) when it has them, mounted read-only, else PyPI.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Dict, List

from ops.settings import ROOT

NAME = "localhost/youarenotalone"
BASE = "localhost/debian-bookworm:base"
CONTAINERS_CONF = ROOT / "deploy" / "podman" / "containers.conf"
INPUTS = (
    "Containerfile",
    "requirements.lock",
    "requirements-rasa.txt",
    "pyproject.toml",
    "config.yml",
    "domain.yml",
    "credentials.yml",
    "endpoints.yml",
    "endpoints.production.yml",
    "actions",
    "channels",
    "components",
    "plugins",
    "ops",
    "review",
    "web",
    "scripts",
    "bench",
    "models/current.tar.gz",
)


def podman_env() -> Dict[str, str]:
    """The environment for podman: this repository's containers.conf."""
    return {**os.environ, "CONTAINERS_CONF": str(CONTAINERS_CONF)}


def podman(*args: str, check: bool = True, capture: bool = False) -> subprocess.CompletedProcess:
    """Runs one podman command."""
    return subprocess.run(["podman", *args], env=podman_env(), check=check, capture_output=capture, text=True)


def input_files() -> List[Path]:
    """Every file the image is built from, in a stable order (compiled Python left out)."""
    files: List[Path] = []
    for name in INPUTS:
        path = ROOT / name
        found = sorted(p for p in path.rglob("*") if p.is_file()) if path.is_dir() else [path]
        files += [p for p in found if "__pycache__" not in p.parts and p.suffix != ".pyc"]
    return files


def tag() -> str:
    """The image name with the hash of its inputs as tag."""
    digest = hashlib.sha256()
    for path in input_files():
        digest.update(str(path.relative_to(ROOT)).encode() + b"\0" + path.read_bytes() + b"\0")
    return f"{NAME}:{digest.hexdigest()[:16]}"


def exists(image: str) -> bool:
    """Whether podman holds the image."""
    return podman("image", "exists", image, check=False).returncode == 0


def ensure_base() -> None:
    """Makes the Debian base image with debootstrap (minbase bookworm) unless podman has it."""
    if exists(BASE):
        return
    with tempfile.TemporaryDirectory(prefix="debootstrap-") as root:
        subprocess.run(["debootstrap", "--variant=minbase", "bookworm", root], check=True, stdout=subprocess.DEVNULL)
        tar = subprocess.Popen(["tar", "-C", root, "-c", "."], stdout=subprocess.PIPE)
        subprocess.run(["podman", "import", "-", BASE], stdin=tar.stdout, env=podman_env(), check=True, stdout=subprocess.DEVNULL)
        if tar.wait() != 0:
            raise RuntimeError("tar of the debootstrap tree failed")


def pip_options() -> List[str]:
    """podman build options that hand the host's pip configuration to pip in the build: local package indexes
    (file:// or directories) and the certificate bundle, mounted read-only."""
    found = subprocess.run([sys.executable, "-m", "pip", "config", "list"], capture_output=True, text=True).stdout
    config = {
        line.split("=", 1)[0].rsplit(".", 1)[-1]: line.split("=", 1)[1].strip("'") for line in found.splitlines() if "=" in line
    }
    options: List[str] = []
    for key, build_arg in (("extra-index-url", "PIP_EXTRA_INDEX_URL"), ("find-links", "PIP_FIND_LINKS")):
        local = [entry for entry in config.get(key, "").split() if Path(entry.removeprefix("file://")).is_dir()]
        if local:
            options += [f"--build-arg={build_arg}={' '.join(local)}"]
            mounts = {Path(entry.removeprefix("file://")) for entry in local}  # an index's files sit beside its simple/
            options += [
                f"--volume={m.parent if m.name == 'simple' else m}:{m.parent if m.name == 'simple' else m}:ro" for m in mounts
            ]
    if Path(config.get("cert", "")).is_file():
        options += [f"--volume={config['cert']}:/etc/ssl/pip-ca.crt:ro", "--build-arg=PIP_CERT=/etc/ssl/pip-ca.crt"]
    return options


def build() -> str:
    """Builds the image unless the current inputs' tag exists; returns that tag (also tagged :latest)."""
    if shutil.which("podman") is None:
        raise RuntimeError("podman is not installed: `make image` installs it")
    wanted = tag()
    if not exists(wanted):
        ensure_base()
        podman("build", "--quiet", "--file", "Containerfile", *pip_options(), "--tag", wanted, str(ROOT))
    podman("tag", wanted, f"{NAME}:latest")
    return wanted


if __name__ == "__main__":
    print(build())
