"""``python -m mercado_mailcatcher``: the SMTP server that keeps every mail."""

from __future__ import annotations

import argparse
import asyncio
import logging
from pathlib import Path

from mercado_mailcatcher.server import serve


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
