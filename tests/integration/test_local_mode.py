"""``mercado up`` as a user runs it: the whole shop, seeded, stopped cleanly by Ctrl-C."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from mercado_cli.services import SERVICES
from tests.support.processes import free_port, wait_for

MERCADO = [sys.executable, "-m", "mercado_cli.main"]


def _children(pid: int) -> set[int]:
    found = set()
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            if int(stat.rsplit(")", 1)[1].split()[1]) == pid:
                found.add(int(entry.name))
    return found


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


def test_up_serves_the_seeded_shop_and_stops_everything(tmp_path: Path) -> None:
    ports = {p.name: free_port() for p in SERVICES}
    args = [f"--port={name}={port}" for name, port in ports.items()]
    log = (tmp_path / "up.log").open("wb")
    started = time.monotonic()
    proc = subprocess.Popen(
        [*MERCADO, "up", "--data-dir", str(tmp_path / "data"), *args],
        stdout=log,
        stderr=subprocess.STDOUT,
        env={**os.environ, "COLUMNS": "200"},
    )
    try:
        wait_for(
            lambda: (
                b"Mercado is up" in (tmp_path / "up.log").read_bytes() or proc.poll() is not None
            ),
            240,
            0.2,
            "mercado up",
        )
        assert proc.poll() is None, (tmp_path / "up.log").read_text()[-4000:]
        print(f"mercado up: all ready and seeded after {time.monotonic() - started:.1f}s")
        catalog = f"http://127.0.0.1:{ports['catalog']}"
        inventory = f"http://127.0.0.1:{ports['inventory']}"
        first = httpx.get(f"{catalog}/products", params={"limit": 100}).json()
        assert first["total"] >= 50
        categories = {p["category"]["slug"] for p in first["items"]}
        assert len(categories) >= 5
        for product in first["items"]:
            stock = httpx.get(f"{inventory}/stock/{product['sku']}")
            assert stock.status_code == 200 and stock.json()["available"] > 0
        children = _children(proc.pid)
        assert len(children) == len(SERVICES)
    finally:
        proc.send_signal(signal.SIGINT)
        code = proc.wait(60)
        log.close()
    output = (tmp_path / "up.log").read_text()
    assert code == 0, output[-3000:]
    assert "all stopped." in output
    leftovers = [pid for pid in children if _alive(pid)]
    assert leftovers == [], f"processes left behind: {leftovers}"
    for name, port in ports.items():
        with socket.socket() as sock:
            assert sock.connect_ex(("127.0.0.1", port)) != 0, f"{name} still listening"


def test_a_busy_port_is_named(tmp_path: Path) -> None:
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        result = subprocess.run(
            [*MERCADO, "up", "--data-dir", str(tmp_path), f"--port=catalog={port}"],
            capture_output=True,
            text=True,
            timeout=60,
            env={**os.environ, "COLUMNS": "200"},
        )
    assert result.returncode == 1
    assert f"catalog (port {port})" in result.stdout
    assert "already in use" in result.stdout


def test_a_bad_port_option_is_refused(tmp_path: Path) -> None:
    result = subprocess.run(
        [*MERCADO, "up", "--port", "nonsense"], capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 2
    assert "NAME=PORT" in result.stdout + result.stderr


@pytest.mark.parametrize("broken", ["catalog"])
def test_a_failing_service_is_named(tmp_path: Path, broken: str) -> None:
    ports = {p.name: free_port() for p in SERVICES}
    args = [f"--port={name}={port}" for name, port in ports.items()]
    env = {**os.environ, "COLUMNS": "200", f"MERCADO_{broken.upper()}_RELAY_INTERVAL_SECONDS": "-1"}
    result = subprocess.run(
        [*MERCADO, "up", "--data-dir", str(tmp_path), *args],
        capture_output=True,
        text=True,
        timeout=240,
        env=env,
    )
    assert result.returncode == 1
    assert f"{broken} exited with code" in result.stdout
