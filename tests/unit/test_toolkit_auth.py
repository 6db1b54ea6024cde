"""Bearer tokens as every service checks them (RFC 6750): the scheme in any case, the token
compared in constant time, 401 when no token is given and 403 when the token is not one
this endpoint accepts, the admin token read from the service's settings."""

from __future__ import annotations

from types import SimpleNamespace

import pytest
from fastapi import Request
from pydantic import SecretStr

from mercado_toolkit.auth import bearer_token, require_admin, require_token, same_token
from mercado_toolkit.errors import AppError


def _request(authorization: str | None, app: object = None) -> Request:
    headers = [] if authorization is None else [(b"authorization", authorization.encode())]
    scope = {"type": "http", "method": "GET", "path": "/", "headers": headers, "app": app}
    return Request(scope)


@pytest.mark.parametrize(
    ("header", "token"),
    [
        ("Bearer abc", "abc"),
        ("bearer abc", "abc"),
        ("BEARER abc", "abc"),
        ("Bearer  abc ", "abc"),
        ("Bearer", None),
        ("Bearer ", None),
        ("Basic abc", None),
        ("Bearerabc", None),
        ("", None),
        (None, None),
    ],
)
def test_the_bearer_token_is_read_from_the_authorization_header(
    header: str | None, token: str | None
) -> None:
    assert bearer_token(_request(header)) == token


def test_tokens_match_only_when_equal_whatever_their_characters() -> None:
    assert same_token("s3cret", "s3cret")
    assert not same_token("s3cret", "s3creT")
    assert not same_token("s3cret", "s3cret ")
    assert not same_token("", "s3cret")
    assert same_token("jéton", "jéton")
    assert not same_token("jéton", "jeton")
    assert not same_token("\udcff", "x")  # not valid UTF-8: compared, not a crash
    # A configured token read from bytes that are not UTF-8 (os.environ keeps them as
    # surrogates) is compared too, on either side.
    assert not same_token("x", "\udcff")
    assert same_token("a\udcff", "a\udcff")


async def _status(check, request: Request) -> tuple[int, str, str] | None:  # type: ignore[no-untyped-def]
    try:
        await check(request)
    except AppError as exc:
        return exc.status, exc.code, exc.message
    return None


async def test_no_token_is_401_and_a_wrong_one_is_403() -> None:
    check = require_token(lambda _: ["orders-token", "", "gateway-token"])
    missing = (401, "unauthorized", "missing bearer token")
    assert await _status(check, _request(None)) == missing
    assert await _status(check, _request("Basic orders-token")) == missing
    assert await _status(check, _request("Bearer nope")) == (
        403,
        "forbidden",
        "token not allowed for this endpoint",
    )
    assert await _status(check, _request("Bearer ")) == missing
    assert await _status(check, _request("Bearer orders-token")) is None
    assert await _status(check, _request("Bearer gateway-token")) is None


async def test_an_empty_configured_token_opens_nothing() -> None:
    check = require_token(lambda _: [""])
    assert await _status(check, _request("Bearer x")) == (
        403,
        "forbidden",
        "token not allowed for this endpoint",
    )


async def test_the_admin_token_comes_from_the_settings() -> None:
    settings = SimpleNamespace(admin_token=SecretStr("admin-token"))
    app = SimpleNamespace(state=SimpleNamespace(settings=settings))
    assert await _status(require_admin, _request("Bearer admin-token", app)) is None
    assert await _status(require_admin, _request("Bearer orders-token", app)) == (
        403,
        "forbidden",
        "token not allowed for this endpoint",
    )
    assert await _status(require_admin, _request(None, app)) == (
        401,
        "unauthorized",
        "missing bearer token",
    )


async def test_the_accepted_tokens_are_read_for_each_request() -> None:
    check = require_token(lambda request: [request.app.state.token])
    app = SimpleNamespace(state=SimpleNamespace(token="today"))
    assert await _status(check, _request("Bearer today", app)) is None
    app.state.token = "tomorrow"  # rotated: the old token no longer opens anything
    assert (await _status(check, _request("Bearer today", app)) or ())[:2] == (403, "forbidden")
