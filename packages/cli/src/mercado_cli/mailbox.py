"""``mercado mail``: the mails the local SMTP server kept, listed or shown one by one."""

from __future__ import annotations

from pathlib import Path

from rich.console import Console
from rich.table import Table

from mercado_mailcatcher.store import Mail, read_mails


def find(mails: list[Mail], which: str) -> Mail | None:
    """A mail by its number, its file name, or its Message-ID."""
    for mail in mails:
        if which in (
            str(mail.number),
            mail.path.name,
            mail.path.stem,
            mail.header("Message-ID"),
            mail.header("Message-ID").strip("<>"),
        ):
            return mail
    return None


def show_mails(console: Console, folder: Path, which: str | None, last: int) -> bool:
    """Prints the list (or one mail); False when the asked-for mail does not exist."""
    mails = read_mails(folder)
    if which is None:
        if not mails:
            console.print(f"no mail received yet (looked in {folder})")
            return True
        table = Table("#", "date", "to", "subject", box=None)
        for mail in mails[-last:]:
            table.add_row(
                str(mail.number), mail.header("Date"), mail.header("To"), mail.header("Subject")
            )
        console.print(table)
        console.print(f"{len(mails)} mail(s) in {folder}; show one with: mercado mail NUMBER")
        return True
    found = find(mails, which)
    if found is None:
        return False
    for name in ("From", "To", "Date", "Subject", "Message-ID"):
        console.print(f"[bold]{name}:[/] {found.header(name)}", highlight=False)
    console.print()
    console.print(found.text(), highlight=False, markup=False)
    return True
