"""Authorization states and the moves between them (no I/O)."""

from __future__ import annotations

import random
from dataclasses import dataclass

from mercado_contracts.states import AuthorizationStatus

Status = AuthorizationStatus


APPROVED = frozenset({Status.AUTHORIZED, Status.CAPTURED, Status.REFUNDED})


class TransitionRefused(ValueError):
    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code


def capture(status: Status) -> Status:
    """AUTHORIZED -> CAPTURED; capturing again is a no-op."""
    if status in (Status.AUTHORIZED, Status.CAPTURED):
        return Status.CAPTURED
    raise TransitionRefused("not_capturable", f"a {status.value} authorization cannot be captured")


def refund(status: Status) -> Status:
    """AUTHORIZED or CAPTURED -> REFUNDED; refunding again is a no-op."""
    if status in (Status.AUTHORIZED, Status.CAPTURED, Status.REFUNDED):
        return Status.REFUNDED
    raise TransitionRefused("not_refundable", f"a {status.value} authorization cannot be refunded")


@dataclass
class Faults:
    """Injected faults: added latency and the share of requests answered with 503."""

    latency_ms: int = 0
    failure_rate: float = 0.0

    def should_fail(self, rng: random.Random | None = None) -> bool:
        if self.failure_rate <= 0:
            return False
        draw = (rng or random).random()
        return draw < self.failure_rate
