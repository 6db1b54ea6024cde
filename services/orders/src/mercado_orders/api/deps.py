"""The orders objects routes depend on, as typed FastAPI dependencies."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from mercado_orders.operations.context import SagaContext
from mercado_orders.operations.saga import Saga
from mercado_toolkit.deps import base_runtime


# Async, so FastAPI calls them on the event loop rather than in its thread pool.
async def saga_context(request: Request) -> SagaContext:
    return base_runtime(request).part(SagaContext)


async def saga(request: Request) -> Saga:
    return base_runtime(request).part(Saga)


Ctx = Annotated[SagaContext, Depends(saga_context)]
Driver = Annotated[Saga, Depends(saga)]
