"""The SMTP server: keeps every mail it receives as an ``.eml`` file.

Run as ``python -m mercado_mailcatcher --port 8125 --dir DATA/mail``; ``mercado mail``
lists and shows what it kept. Listens on loopback by default and accepts any
sender/recipient. With ``--http-port`` it also serves the kept mails as JSON
(``GET /messages``, see :mod:`mercado_mailcatcher.api`): the container image does so.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
from pathlib import Path
from typing import Any

from aiosmtpd.smtp import SMTP

from mercado_mailcatcher import api
from mercado_mailcatcher.store import keep

log = logging.getLogger("mercado.mailcatcher")


class KeepMail:
    """aiosmtpd handler: every accepted message becomes a file in ``folder``."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        content: bytes = envelope.original_content or envelope.content
        path = await asyncio.to_thread(keep, self.folder, content)
        log.info("kept mail to %s as %s", ", ".join(envelope.rcpt_tos), path.name)
        return "250 Message accepted for delivery"


async def serve(host: str, port: int, folder: Path, http_port: int | None = None) -> None:
    handler = KeepMail(folder)
    loop = asyncio.get_running_loop()
    server = await loop.create_server(
        lambda: SMTP(handler, hostname="mercado.local", ident="Mercado local SMTP"), host, port
    )
    stop = asyncio.Event()
    for sig in (signal.SIGINT, signal.SIGTERM):
        with contextlib.suppress(NotImplementedError):
            loop.add_signal_handler(sig, stop.set)
    log.info("SMTP server on %s:%d keeping mails in %s", host, port, folder)
    runner = None
    if http_port is not None:
        runner = await api.start(host, http_port, folder)
        log.info("mail listing on http://%s:%d/messages", host, http_port)
    try:
        async with server:
            await stop.wait()
    finally:
        if runner is not None:
            await runner.cleanup()
