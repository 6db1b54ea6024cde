"""The base of every event payload: which service publishes it, its type and version."""

from __future__ import annotations

from typing import ClassVar

from pydantic import BaseModel, ConfigDict

SUBJECT_PREFIX = "mercado"


class EventPayload(BaseModel):
    """The ``data`` of an event envelope.

    A subclass names its publisher (``SOURCE``), its type (``TYPE``, the last part of the
    NATS subject ``mercado.<source>.<type>``) and its ``VERSION``. A change that a consumer
    of the previous version could not read bumps the version. Consumers ignore fields they
    do not know, so adding a field is no new version.
    """

    model_config = ConfigDict(frozen=True, extra="ignore")

    SOURCE: ClassVar[str]
    TYPE: ClassVar[str]
    VERSION: ClassVar[int] = 1

    @classmethod
    def subject(cls) -> str:
        """``mercado.<source>.<type>``, e.g. ``mercado.inventory.stock_changed``."""
        return f"{SUBJECT_PREFIX}.{cls.SOURCE}.{cls.TYPE}"
