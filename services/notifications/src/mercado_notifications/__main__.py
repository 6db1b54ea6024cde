"""``python -m mercado_notifications``: serve the notifications service."""

from __future__ import annotations

from mercado_notifications.app import create_app
from mercado_notifications.settings import NotificationsSettings
from mercado_toolkit.serve import service_main

main = service_main(create_app, NotificationsSettings)

if __name__ == "__main__":
    main()
