"""The bank, as payment sees it: every call through the toolkit's ServiceClient (aiohttp,
explicit timeout, tenacity retries, circuit breaker, traceparent)."""

from __future__ import annotations

from typing import Any

from mercado_toolkit.http_client import DependencyUnavailable, Reply, ServiceClient


class BankUnknown(Exception):
    """No answer from the bank (timeout, connection, 5xx, breaker open): outcome unknown."""


class BankRejected(Exception):
    """The bank answered with a 4xx: it did not act on the request."""

    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(f"bank answered {status} {code}: {message}")
        self.status = status
        self.code = code


def _rejected(reply: Reply) -> BankRejected:
    error = reply.body.get("error", {}) if isinstance(reply.body, dict) else {}
    return BankRejected(
        reply.status, str(error.get("code", "bank_error")), str(error.get("message", ""))
    )


class BankClient:
    def __init__(self, client: ServiceClient) -> None:
        self.client = client

    async def _call(self, method: str, path: str, **kwargs: Any) -> Reply:
        try:
            return await self.client.request(method, path, **kwargs)
        except DependencyUnavailable as exc:
            raise BankUnknown(exc.reason) from exc

    async def authorize(self, key: str, payload: dict[str, Any]) -> dict[str, Any]:
        """Authorizes and captures; retried with the same key (the bank is idempotent on
        it, so a retry never authorizes twice)."""
        reply = await self._call(
            "POST",
            "/authorizations",
            json=payload,
            headers={"Idempotency-Key": key},
            idempotent=True,
        )
        if not reply.ok:
            raise _rejected(reply)
        return dict(reply.body)

    async def tokenize(self, card: dict[str, Any]) -> dict[str, Any]:
        """The bank's token for a card; a retry only makes another token (harmless)."""
        reply = await self._call("POST", "/cards", json=card, idempotent=True)
        if not reply.ok:
            raise _rejected(reply)
        return dict(reply.body)

    async def lookup(self, key: str) -> dict[str, Any] | None:
        """The bank's record under ``key``; None when it never recorded a request."""
        reply = await self._call("GET", f"/authorizations/by-key/{key}")
        if reply.status == 404 and _rejected(reply).code == "authorization_not_found":
            return None
        if not reply.ok:
            raise _rejected(reply)
        return dict(reply.body)

    async def close(self, key: str, reference: str) -> dict[str, Any]:
        """Settles ``key`` for good at the bank (an unused key can never charge later)."""
        reply = await self._call(
            "POST",
            f"/authorizations/by-key/{key}/close",
            json={"reference": reference},
            idempotent=True,
        )
        if not reply.ok:
            raise _rejected(reply)
        return dict(reply.body)

    async def refund(self, authorization_id: str) -> dict[str, Any]:
        reply = await self._call(
            "POST", f"/authorizations/{authorization_id}/refund", idempotent=True
        )
        if not reply.ok:
            raise _rejected(reply)
        return dict(reply.body)
