"""The whole shop as `mercado up` runs it, on free ports: every process of the CLI's
registry (NATS, SMTP, the bank and every service, the gateway last) with the env the
registry gives it, and the demo catalog seeded through the CLI."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path
from typing import Any

import httpx

from mercado_cli.services import SERVICES, LocalContext, ProcessDef
from tests.support.processes import (
    NatsServer,
    ServiceProcess,
    accepting,
    free_port,
    seed_demo,
    wait_for,
)

ADMIN_TOKEN = "browser-admin-token"


class LocalShop:
    def __init__(self, root: Path) -> None:
        self.root = root
        self.logs = root / "logs"
        self.logs.mkdir(parents=True, exist_ok=True)
        self.ctx = LocalContext(
            data_dir=root / "data",
            ports={p.name: free_port() for p in SERVICES},
            json_logs=True,
            admin_token=ADMIN_TOKEN,
        )
        self.ctx.data_dir.mkdir(parents=True, exist_ok=True)
        self.specs = {p.name: p for p in SERVICES}
        self.services: dict[str, ServiceProcess] = {}
        self.others: list[subprocess.Popen[bytes]] = []
        self.nats: NatsServer | None = None

    def has(self, name: str) -> bool:
        return name in self.specs

    def url(self, name: str) -> str:
        return self.ctx.url(name)

    @property
    def base_url(self) -> str:
        return self.url("gateway")

    def _service(self, spec: ProcessDef) -> ServiceProcess:
        port = self.ctx.ports[spec.name]
        return ServiceProcess(spec.name, spec.env(self.ctx), self.logs, port=port)

    def _other(self, spec: ProcessDef) -> None:
        with (self.logs / f"{spec.name}.log").open("ab") as log:
            proc = subprocess.Popen(
                spec.command(self.ctx),
                env={**os.environ, **spec.env(self.ctx)},
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        self.others.append(proc)
        wait_for(lambda: accepting(self.ctx.ports[spec.name]), 60, what=spec.name)

    def start(self) -> LocalShop:
        for spec in SERVICES:
            if spec.name == "nats":
                self.nats = NatsServer(self.ctx.data_dir / "nats", port=self.ctx.ports["nats"])
                self.nats.start()
            elif spec.readiness == "http":
                self.services[spec.name] = self._service(spec).start(wait=False)
            else:
                self._other(spec)
        for svc in self.services.values():
            svc.wait_ready(180)
        self.seed()
        return self

    def seed(self) -> None:
        seed_demo(self.url("catalog"), self.url("inventory"), ADMIN_TOKEN)

    def stop_service(self, name: str) -> None:
        self.services[name].stop()

    def start_service(self, name: str) -> None:
        """Starts a stopped service again, on its port and with its data."""
        self.services[name] = self._service(self.specs[name]).start(wait=False)
        self.services[name].wait_ready(180)

    def stop(self) -> None:
        for svc in reversed(list(self.services.values())):
            svc.stop()
        for proc in self.others:
            if proc.poll() is None:
                proc.terminate()
                proc.wait(10)
        if self.nats:
            self.nats.stop()

    # --- what the tests prepare through the services' own APIs -----------------------------
    def admin(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {ADMIN_TOKEN}"}

    def product(self, q: str) -> dict[str, Any]:
        """The one seeded product matching ``q`` (through the gateway's public API)."""
        page = httpx.get(f"{self.base_url}/api/products", params={"q": q}, timeout=30).json()
        assert page["total"] == 1, page
        return dict(page["items"][0])

    def set_stock(self, sku: str, units: int) -> None:
        """Adjusts ``sku`` to ``units`` available, and waits until the catalog shows it."""
        inventory = self.url("inventory")
        stock = httpx.get(f"{inventory}/stock/{sku}", timeout=30).json()
        delta = units - int(stock["available"])
        if delta:
            r = httpx.post(
                f"{inventory}/stock/{sku}/adjustments",
                headers=self.admin(),
                json={"delta": delta, "reason": "browser test"},
                timeout=30,
            )
            assert r.status_code == 200, r.text

        def shown() -> bool:
            page = httpx.get(f"{self.url('catalog')}/products", params={"q": sku}, timeout=30)
            return any(
                p["sku"] == sku and p["availability"]["available"] == units
                for p in page.json()["items"]
            )

        wait_for(shown, 60, 0.2, f"catalog showing {units} units of {sku}")
