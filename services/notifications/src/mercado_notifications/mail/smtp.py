"""Handing a mail to the SMTP server (aiosmtplib)."""

from __future__ import annotations

from email.message import EmailMessage

import aiosmtplib

from mercado_notifications.settings import NotificationsSettings


class TemporaryFailure(Exception):
    """The mail was not accepted now (server down, 4xx); try the event again later."""


class PermanentFailure(Exception):
    """The server refused the mail for good (5xx); retrying would not help."""


async def send(settings: NotificationsSettings, message: EmailMessage) -> None:
    password = settings.smtp_password.get_secret_value() if settings.smtp_password else None
    try:
        await aiosmtplib.send(
            message,
            hostname=settings.smtp_host,
            port=settings.smtp_port,
            timeout=settings.smtp_timeout_seconds,
            start_tls=settings.smtp_starttls,
            username=settings.smtp_username,
            password=password,
        )
    except aiosmtplib.SMTPNotSupported as exc:  # e.g. an address needing SMTPUTF8
        raise PermanentFailure(f"the SMTP server cannot take this mail: {exc}") from exc
    except (ValueError, UnicodeError) as exc:  # an address no SMTP server can take
        raise PermanentFailure(f"malformed address: {exc}") from exc
    except aiosmtplib.SMTPRecipientsRefused as exc:
        codes = [r.code for r in exc.recipients]
        said = "; ".join(f"{r.code} {r.message}" for r in exc.recipients)
        if all(code >= 500 for code in codes):
            raise PermanentFailure(f"recipient refused: {said}") from exc
        raise TemporaryFailure(f"recipient deferred: {said}") from exc
    except aiosmtplib.SMTPResponseException as exc:
        if exc.code >= 500:
            raise PermanentFailure(f"SMTP {exc.code}: {exc.message}") from exc
        raise TemporaryFailure(f"SMTP {exc.code}: {exc.message}") from exc
    except (aiosmtplib.SMTPException, OSError, TimeoutError) as exc:
        raise TemporaryFailure(f"SMTP server unreachable: {exc}") from exc
