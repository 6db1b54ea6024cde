"""Read-only HTTP listing of the mails the SMTP catcher kept (``--http-port``).

``GET /messages`` answers a JSON array, oldest first: number, id (the file name), from, to,
subject, date, message_id and the plain-text body. ``GET /healthz`` answers ``{"status":
"ok"}``. Lets a test or a user read the caught mails of a catcher that runs in a container.
"""

from __future__ import annotations

import asyncio
from pathlib import Path

from aiohttp import web

from mercado_mailcatcher.store import Mail, read_mails


def describe(mail: Mail) -> dict[str, object]:
    return {
        "number": mail.number,
        "id": mail.path.name,
        "from": mail.header("From"),
        "to": mail.header("To"),
        "subject": mail.header("Subject"),
        "date": mail.header("Date"),
        "message_id": mail.header("Message-ID"),
        "text": mail.text(),
    }


def make_app(folder: Path) -> web.Application:
    async def messages(_: web.Request) -> web.Response:
        mails = await asyncio.to_thread(read_mails, folder)
        return web.json_response([describe(mail) for mail in mails])

    async def healthz(_: web.Request) -> web.Response:
        return web.json_response({"status": "ok"})

    app = web.Application()
    app.router.add_get("/messages", messages)
    app.router.add_get("/healthz", healthz)
    return app


async def start(host: str, port: int, folder: Path) -> web.AppRunner:
    runner = web.AppRunner(make_app(folder), access_log=None)
    await runner.setup()
    await web.TCPSite(runner, host, port).start()
    return runner
