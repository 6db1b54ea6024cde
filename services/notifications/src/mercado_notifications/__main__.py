"""``python -m mercado_notifications``: serve the notifications service."""

from __future__ import annotations

from mercado_notifications.app import create_app
from mercado_notifications.settings import NotificationsSettings
from mercado_toolkit.serve import serve


def main() -> None:
    settings = NotificationsSettings()
    serve(create_app(settings), settings)


if __name__ == "__main__":
    main()
