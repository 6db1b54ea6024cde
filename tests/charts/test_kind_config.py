"""kind-config.yaml is read and validated by kind itself.

`kind create cluster` checks its container runtime, loads and validates the config, then
pulls its node image, which no registry reachable here serves. A stand-in `docker` on the
PATH answers the runtime questions (and records them) and refuses every image pull, so kind
stops exactly there: after every check of the config, before anything is created.
"""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

from tests.charts.helm import ROOT
from tests.k8s.plugin import bin_dir

INFO = {
    "CgroupDriver": "systemd",
    "CgroupVersion": "2",
    "MemoryLimit": True,
    "PidsLimit": True,
    "CPUShares": True,
    "SecurityOptions": ["name=seccomp,profile=builtin", "name=cgroupns"],
}
STAND_IN = f"""#!/bin/sh
echo "$*" >> "$(dirname "$0")/calls.log"
case "$1" in
  info) echo '{json.dumps(INFO)}' ;;
  ps) ;;
  *) echo "Error response from daemon: no image here ($1)" >&2; exit 1 ;;
esac
"""


def kind_create(config: Path, tmp_path: Path) -> tuple[subprocess.CompletedProcess[str], str]:
    shim = tmp_path / "bin"
    shim.mkdir(exist_ok=True)
    (shim / "docker").write_text(STAND_IN)
    (shim / "docker").chmod(0o755)
    (shim / "calls.log").write_text("")
    env = {**os.environ, "PATH": f"{shim}:/usr/bin:/bin", "KIND_EXPERIMENTAL_PROVIDER": "docker"}
    env["KUBECONFIG"] = str(tmp_path / "kubeconfig")
    result = subprocess.run(
        [str(bin_dir() / "kind"), "create", "cluster", "--config", str(config), "--retain"],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )
    return result, (shim / "calls.log").read_text()


def test_kind_accepts_the_config_and_stops_only_at_the_node_image(tmp_path: Path) -> None:
    result, calls = kind_create(ROOT / "kind-config.yaml", tmp_path)
    assert result.returncode != 0
    # The cluster's name came from the config; kind got as far as fetching its node image.
    assert "label=io.x-k8s.kind.cluster=mercado" in calls
    assert "kindest/node" in calls
    assert "failed to pull image" in result.stderr or "kindest/node" in result.stderr


def test_kind_refuses_a_broken_config(tmp_path: Path) -> None:
    broken = tmp_path / "kind-config.yaml"
    text = (ROOT / "kind-config.yaml").read_text()
    broken.write_text(text.replace("extraPortMappings", "extraPortMapping"))
    result, calls = kind_create(broken, tmp_path)
    assert result.returncode != 0
    assert "extraPortMapping" in result.stderr
    assert "kindest/node" not in calls
