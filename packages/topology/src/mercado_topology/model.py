"""The vocabulary of the topology: components, the calls between them, the tokens."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from graphlib import TopologicalSorter


class Kind(StrEnum):
    SERVICE = "service"  # a Python service, run as ``python -m mercado_<name>``
    NATS = "nats"  # the message broker (NATS with JetStream)
    SMTP = "smtp"  # the mail server notifications hands its mail to


@dataclass(frozen=True)
class Call:
    """A synchronous HTTP call one service makes to another.

    ``url_setting`` is the caller's setting that holds the target's base URL;
    ``token`` names the token the caller presents (one of :attr:`Topology.tokens`), held
    in the caller's ``token_setting``.
    """

    target: str
    url_setting: str
    token: str | None = None
    token_setting: str | None = None


@dataclass(frozen=True)
class Accept:
    """A token a service accepts from its callers, and the setting that holds it."""

    token: str
    setting: str


@dataclass(frozen=True)
class Component:
    name: str
    kind: Kind
    port: int
    calls: tuple[Call, ...] = ()
    accepts: tuple[Accept, ...] = ()
    publishes: tuple[str, ...] = ()  # event types, published as mercado.<name>.<type>
    consumes: tuple[str, ...] = ()  # "<service>.<event type>"
    database: bool = False  # owns a database (and so an outbox relayed to NATS)
    mail: bool = False  # hands mail to the SMTP server
    public: bool = False  # reached from outside the shop
    liveness_path: str = "/healthz"
    readiness_path: str = "/readyz"

    @property
    def env_prefix(self) -> str:
        return f"MERCADO_{self.name.upper()}_"

    @property
    def module(self) -> str:
        return f"mercado_{self.name}"

    @property
    def messaging(self) -> bool:
        """Talks to NATS: every service with a database relays its outbox there."""
        return self.database or bool(self.publishes or self.consumes)

    def needs(self) -> list[str]:
        """The components this one needs running before it starts."""
        needed = [call.target for call in self.calls]
        if self.messaging:
            needed.append("nats")
        if self.mail:
            needed.append("smtp")
        return needed


@dataclass(frozen=True)
class Topology:
    components: tuple[Component, ...]
    # Every token: what each caller presents; "admin" is accepted by every service.
    tokens: tuple[str, ...]

    def __post_init__(self) -> None:
        names = [c.name for c in self.components]
        if len(set(names)) != len(names):
            raise ValueError(f"duplicate component names: {names}")
        for c in self.components:
            for needed in c.needs():
                if needed not in names:
                    raise ValueError(f"{c.name} needs unknown component {needed}")
            for token in [call.token for call in c.calls] + [a.token for a in c.accepts]:
                if token is not None and token not in self.tokens:
                    raise ValueError(f"{c.name} names unknown token {token}")
        self.rollout_order()

    def __getitem__(self, name: str) -> Component:
        for c in self.components:
            if c.name == name:
                return c
        raise KeyError(name)

    @property
    def services(self) -> list[Component]:
        return [c for c in self.components if c.kind is Kind.SERVICE]

    def secret_keys(self) -> list[str]:
        """The keys of the shop's Secret: each token, each database's password, PostgreSQL's
        own superuser password (the charts read these; an existing Secret must hold them)."""
        keys = [f"{token}-token" for token in self.tokens]
        keys += [f"{c.name}-database-password" for c in self.services if c.database]
        return [*keys, "postgres-password"]

    def callers(self, name: str) -> list[Component]:
        """The components that call ``name`` over HTTP."""
        return [c for c in self.components if any(call.target == name for call in c.calls)]

    def rollout_order(self) -> list[str]:
        """Every component, each after what it needs; otherwise in declaration order."""
        graph = {c.name: c.needs() for c in self.components}
        TopologicalSorter(graph).prepare()  # raises graphlib.CycleError on a cycle
        order: list[str] = []

        def visit(name: str) -> None:
            if name not in order:
                for needed in graph[name]:
                    visit(needed)
                order.append(name)

        for c in self.components:
            visit(c.name)
        return order
