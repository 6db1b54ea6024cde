"""``python -m mercado_payment``: serve the payment service."""

from __future__ import annotations

from mercado_payment.app import create_app
from mercado_payment.settings import PaymentSettings
from mercado_toolkit.serve import serve


def main() -> None:
    settings = PaymentSettings()
    serve(create_app(settings), settings)


if __name__ == "__main__":
    main()
