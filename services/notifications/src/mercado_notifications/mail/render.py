"""Mail bodies from Jinja2 templates (first line of a template: the subject)."""

from __future__ import annotations

from email.message import EmailMessage
from email.utils import formatdate
from typing import Any

from jinja2 import Environment, PackageLoader, StrictUndefined

from mercado_notifications.domain.messages import Kind, format_money


def _money(value: Any) -> str:
    if isinstance(value, dict):
        return format_money(int(value["amount"]), str(value["currency"]))
    raise TypeError("money filter expects {amount, currency}")


def environment() -> Environment:
    env = Environment(
        loader=PackageLoader("mercado_notifications", "templates"),
        undefined=StrictUndefined,
        autoescape=False,  # plain-text mail  # noqa: S701
        keep_trailing_newline=True,
    )
    env.filters["money"] = _money
    return env


class Renderer:
    def __init__(self, shop: str) -> None:
        self.env = environment()
        self.shop = shop

    def render(self, kind: Kind, **context: Any) -> tuple[str, str]:
        """Returns (subject, body)."""
        text = self.env.get_template(f"{kind.value}.txt").render(shop=self.shop, **context)
        subject, _, body = text.partition("\n")
        return subject.strip(), body


def build_message(
    sender: str, recipient: str, subject: str, body: str, message_id: str
) -> EmailMessage:
    msg = EmailMessage()
    msg["From"] = sender
    msg["To"] = recipient
    msg["Subject"] = subject
    msg["Date"] = formatdate(localtime=False, usegmt=True)
    msg["Message-ID"] = message_id
    msg.set_content(body)
    return msg
