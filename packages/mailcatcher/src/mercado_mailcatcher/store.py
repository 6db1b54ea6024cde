"""The kept mails: one ``.eml`` file each, written atomically, read back oldest first."""

from __future__ import annotations

import os
import time
import uuid
from dataclasses import dataclass
from email import policy
from email.message import EmailMessage
from email.parser import BytesParser
from pathlib import Path


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


@dataclass(frozen=True)
class Mail:
    number: int
    path: Path
    message: EmailMessage

    def header(self, name: str) -> str:
        return str(self.message.get(name, ""))

    def text(self) -> str:
        body = self.message.get_body(preferencelist=("plain", "html"))
        return body.get_content() if body is not None else ""


def read_mails(folder: Path) -> list[Mail]:
    """Every kept mail, oldest first, numbered from 1."""
    if not folder.is_dir():
        return []
    parser = BytesParser(policy=policy.default)
    mails = []
    for i, path in enumerate(sorted(folder.glob("*.eml")), start=1):
        with path.open("rb") as fh:
            message = parser.parse(fh)
        assert isinstance(message, EmailMessage)
        mails.append(Mail(i, path, message))
    return mails
