"""The payment objects routes depend on, as typed FastAPI dependencies."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from mercado_payment.clients.bank import BankClient
from mercado_toolkit.deps import Rt, base_runtime


# Async, so FastAPI calls it on the event loop rather than in its thread pool.
async def bank_client(request: Request) -> BankClient:
    return base_runtime(request).part(BankClient)


Bank = Annotated[BankClient, Depends(bank_client)]

__all__ = ["Bank", "Rt"]
