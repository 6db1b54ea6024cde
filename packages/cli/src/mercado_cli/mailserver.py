"""A local SMTP server for local mode: keeps every mail it receives as an ``.eml`` file.

Run as ``python -m mercado_cli.mailserver --port 8125 --dir DATA/mail``; ``mercado mail``
lists and shows what it kept. Listens on loopback by default and accepts any
sender/recipient. With ``--http-port`` it also serves the kept mails as JSON
(``GET /messages``, see :mod:`mercado_cli.mailapi`): the container image does so.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import logging
import os
import signal
import time
import uuid
from pathlib import Path
from typing import Any

from aiosmtpd.smtp import SMTP

from mercado_cli import mailapi

log = logging.getLogger("mercado.mailserver")


def keep(folder: Path, content: bytes) -> Path:
    """Writes one mail atomically; names sort by arrival."""
    folder.mkdir(parents=True, exist_ok=True)
    name = f"{time.time_ns()}-{uuid.uuid4().hex[:8]}.eml"
    tmp = folder / f".{name}.tmp"
    with tmp.open("wb") as fh:
        fh.write(content)
        fh.flush()
        os.fsync(fh.fileno())
    final = folder / name
    tmp.rename(final)
    return final


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
        runner = await mailapi.start(host, http_port, folder)
        log.info("mail listing on http://%s:%d/messages", host, http_port)
    try:
        async with server:
            await stop.wait()
    finally:
        if runner is not None:
            await runner.cleanup()


def main() -> None:
    parser = argparse.ArgumentParser(description="local SMTP server that keeps every mail")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8125)
    parser.add_argument("--dir", type=Path, required=True, help="folder for the .eml files")
    parser.add_argument(
        "--http-port", type=int, default=None, help="also list the kept mails over HTTP"
    )
    args = parser.parse_args()
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
    args.dir.mkdir(parents=True, exist_ok=True)
    asyncio.run(serve(args.host, args.port, args.dir, args.http_port))


if __name__ == "__main__":
    main()
