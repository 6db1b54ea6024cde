"""The bank, as payment sees it: every call through the toolkit's ServiceClient (aiohttp,
explicit timeout, tenacity retries, circuit breaker, traceparent)."""

from __future__ import annotations

from typing import NotRequired, TypedDict

from mercado_payment.domain.record import BankAnswer
from mercado_toolkit.http_client import DependencyUnavailable, Reply, ServiceClient


class MoneyBody(TypedDict):
    amount: int
    currency: str


class CardBody(TypedDict):
    """A card as the bank takes it (sent on, never stored or logged)."""

    number: str
    exp_month: int
    exp_year: int
    cvc: str


class AuthorizeBody(TypedDict):
    """What ``POST /authorizations`` takes: a card or a card token, never both."""

    amount: MoneyBody
    capture: bool
    reference: str
    card: NotRequired[CardBody]
    card_token: NotRequired[str]


class CardTokenAnswer(TypedDict):
    card_token: str
    last4: str


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


def _body(reply: Reply) -> dict[str, object]:
    """The JSON object of a successful answer (an answer that is none counts as no answer)."""
    if not isinstance(reply.body, dict):
        raise BankUnknown(f"the bank answered {reply.status} without a JSON object")
    return reply.body


class BankClient:
    def __init__(self, client: ServiceClient) -> None:
        self.client = client

    async def _call(
        self,
        method: str,
        path: str,
        *,
        json: object = None,
        headers: dict[str, str] | None = None,
        idempotent: bool | None = None,
    ) -> Reply:
        try:
            return await self.client.request(
                method, path, json=json, headers=headers, idempotent=idempotent
            )
        except DependencyUnavailable as exc:
            raise BankUnknown(exc.reason) from exc

    async def authorize(self, key: str, payload: AuthorizeBody) -> BankAnswer:
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
        return BankAnswer.from_body(_body(reply))

    async def tokenize(self, card: CardBody) -> CardTokenAnswer:
        """The bank's token for a card; a retry only makes another token (harmless)."""
        reply = await self._call("POST", "/cards", json=card, idempotent=True)
        if not reply.ok:
            raise _rejected(reply)
        body = _body(reply)
        return CardTokenAnswer(card_token=str(body["card_token"]), last4=str(body["last4"]))

    async def lookup(self, key: str) -> BankAnswer | None:
        """The bank's record under ``key``; None when it never recorded a request."""
        reply = await self._call("GET", f"/authorizations/by-key/{key}")
        if reply.status == 404 and _rejected(reply).code == "authorization_not_found":
            return None
        if not reply.ok:
            raise _rejected(reply)
        return BankAnswer.from_body(_body(reply))

    async def close(self, key: str, reference: str) -> BankAnswer:
        """Settles ``key`` for good at the bank (an unused key can never charge later)."""
        reply = await self._call(
            "POST",
            f"/authorizations/by-key/{key}/close",
            json={"reference": reference},
            idempotent=True,
        )
        if not reply.ok:
            raise _rejected(reply)
        return BankAnswer.from_body(_body(reply))

    async def refund(self, authorization_id: str) -> BankAnswer:
        reply = await self._call(
            "POST", f"/authorizations/{authorization_id}/refund", idempotent=True
        )
        if not reply.ok:
            raise _rejected(reply)
        return BankAnswer.from_body(_body(reply))
