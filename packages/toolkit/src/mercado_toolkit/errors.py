"""One JSON error model with stable codes; no stack trace ever reaches a client."""

from __future__ import annotations

import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.routing import Match

log = logging.getLogger("mercado.errors")

# What FastAPI says when it cannot decode a request body at all.
_UNREADABLE_BODY = "There was an error parsing the body"
_METHODS = ("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS")

_STATUS_CODES = {
    400: "bad_request",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    408: "request_timeout",
    409: "conflict",
    413: "payload_too_large",
    415: "unsupported_media_type",
    422: "validation_error",
    429: "too_many_requests",
    503: "unavailable",
}


class AppError(Exception):
    """A domain or API error with a stable machine-readable code."""

    def __init__(
        self, status: int, code: str, message: str, details: dict[str, Any] | None = None
    ) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.details = details or {}


class ErrorDetail(BaseModel):
    code: str = Field(description="stable, machine-readable")
    message: str = Field(description="for a human")
    fields: list[dict[str, Any]] | None = Field(
        default=None, description="the invalid fields (validation errors only)"
    )
    details: dict[str, Any] | None = None


class ErrorResponse(BaseModel):
    """Every error any service answers."""

    error: ErrorDetail


_DESCRIPTIONS = {
    400: "bad request",
    401: "credentials missing",
    403: "credentials not allowed here",
    404: "not found",
    405: "method not allowed",
    408: "the request body came too slowly",
    409: "conflicts with the current state",
    413: "request body too large",
    422: "invalid input",
    503: "a dependency is unavailable; try again",
}


def errors(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """OpenAPI ``responses`` documenting these error statuses with the error schema."""
    return {
        status: {"model": ErrorResponse, "description": _DESCRIPTIONS.get(status, "error")}
        for status in statuses
    }


def error_body(code: str, message: str, **extra: Any) -> dict[str, Any]:
    return {"error": {"code": code, "message": message, **extra}}


def _field_errors(exc: RequestValidationError) -> list[dict[str, Any]]:
    fields = []
    for err in exc.errors():
        loc = [str(p) for p in err.get("loc", ())]
        fields.append(
            {"field": ".".join(loc), "message": err.get("msg", ""), "type": err.get("type")}
        )
    return fields


async def _app_error(_: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, AppError)
    return JSONResponse(
        error_body(exc.code, exc.message, **({"details": exc.details} if exc.details else {})),
        status_code=exc.status,
    )


async def _validation_error(_: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    fields = _field_errors(exc)
    bad = ", ".join(f["field"] for f in fields) or "request"
    return JSONResponse(
        error_body("validation_error", f"invalid input: {bad}", fields=fields), status_code=422
    )


def allowed_methods(request: Request) -> list[str]:
    """Every method some route of the app answers on this path (starlette names only the
    first route that matched the path, so a 405 would list one method)."""
    routes = request.app.router.routes
    return [
        method
        for method in _METHODS
        if any(r.matches({**request.scope, "method": method})[0] is Match.FULL for r in routes)
    ]


async def _http_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, StarletteHTTPException)
    code = _STATUS_CODES.get(exc.status_code, "error")
    message = exc.detail if isinstance(exc.detail, str) else code.replace("_", " ")
    headers = dict(exc.headers or {})
    if exc.status_code == 400 and exc.detail == _UNREADABLE_BODY:
        # A body that is not even text (not UTF-8): invalid input like any bad JSON.
        return JSONResponse(
            error_body(
                "validation_error",
                "invalid input: the body is not UTF-8 JSON",
                fields=[{"field": "body", "message": "not UTF-8 JSON", "type": "json_invalid"}],
            ),
            status_code=422,
        )
    if exc.status_code == 405:
        allow = allowed_methods(request)
        if allow:
            headers["Allow"] = ", ".join(allow)
            message = f"method {request.method} not allowed here; allowed: {headers['Allow']}"
    return JSONResponse(error_body(code, message), status_code=exc.status_code, headers=headers)


async def _unexpected(request: Request, exc: Exception) -> JSONResponse:
    log.exception("unhandled error on %s %s", request.method, request.url.path)
    return JSONResponse(error_body("internal", "internal error"), status_code=500)


def install_error_handlers(app: FastAPI) -> None:
    app.add_exception_handler(AppError, _app_error)
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(StarletteHTTPException, _http_error)
    app.add_exception_handler(Exception, _unexpected)
