"""What a running ``mercado up`` tells other ``mercado`` commands: one small JSON file per
process under ``DATA/run`` (its pid, port and whether it is ready), and restart requests."""

from __future__ import annotations

import contextlib
import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

SUPERVISOR = "mercado"


@dataclass(frozen=True)
class ProcessState:
    name: str
    pid: int
    port: int
    ready: bool


class RunState:
    def __init__(self, folder: Path) -> None:
        self.folder = folder

    def _file(self, name: str) -> Path:
        return self.folder / f"{name}.json"

    def write(self, name: str, pid: int, port: int, *, ready: bool) -> None:
        self.folder.mkdir(parents=True, exist_ok=True)
        tmp = self._file(name).with_suffix(".tmp")
        tmp.write_text(json.dumps({"name": name, "pid": pid, "port": port, "ready": ready}))
        tmp.replace(self._file(name))

    def read(self, name: str) -> ProcessState | None:
        try:
            data: dict[str, Any] = json.loads(self._file(name).read_text())
        except (OSError, ValueError):
            return None
        return ProcessState(str(data["name"]), int(data["pid"]), int(data["port"]), data["ready"])

    def clear(self) -> None:
        for path in self.folder.glob("*"):
            with contextlib.suppress(OSError):
                path.unlink()

    # Restart requests: ``mercado restart NAME`` leaves a marker, then stops the process;
    # the supervisor sees the marker and starts it again at once, without a back-off.
    def request_restart(self, name: str) -> None:
        self.folder.mkdir(parents=True, exist_ok=True)
        (self.folder / f"{name}.restart").touch()

    def take_restart_request(self, name: str) -> bool:
        try:
            (self.folder / f"{name}.restart").unlink()
        except FileNotFoundError:
            return False
        return True


def alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True
