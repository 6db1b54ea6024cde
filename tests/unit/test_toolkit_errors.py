"""The JSON error model: stable codes, field lists, and no stack trace for a crash."""

from __future__ import annotations

from fastapi import FastAPI
from fastapi.testclient import TestClient
from pydantic import BaseModel

from mercado_toolkit.errors import AppError, install_error_handlers


class Body(BaseModel):
    quantity: int


def _app() -> FastAPI:
    app = FastAPI()
    install_error_handlers(app)

    @app.post("/things")
    async def things(body: Body) -> dict[str, int]:
        if body.quantity == 13:
            raise AppError(409, "unlucky", "13 is not allowed", {"quantity": 13})
        if body.quantity == 666:
            raise RuntimeError("secret internals /etc/passwd")
        return {"quantity": body.quantity}

    return app


def test_app_error_keeps_code_message_and_details() -> None:
    r = TestClient(_app()).post("/things", json={"quantity": 13})
    assert r.status_code == 409
    assert r.json() == {
        "error": {"code": "unlucky", "message": "13 is not allowed", "details": {"quantity": 13}}
    }


def test_validation_error_lists_the_bad_fields() -> None:
    r = TestClient(_app()).post("/things", json={"quantity": "many"})
    assert r.status_code == 422
    error = r.json()["error"]
    assert error["code"] == "validation_error"
    assert [f["field"] for f in error["fields"]] == ["body.quantity"]


def test_unknown_route_is_a_json_404() -> None:
    r = TestClient(_app()).get("/nope")
    assert r.status_code == 404 and r.json()["error"]["code"] == "not_found"


def test_a_crash_is_a_bare_500_without_internals() -> None:
    r = TestClient(_app(), raise_server_exceptions=False).post("/things", json={"quantity": 666})
    assert r.status_code == 500
    assert r.json() == {"error": {"code": "internal", "message": "internal error"}}
    assert "passwd" not in r.text
