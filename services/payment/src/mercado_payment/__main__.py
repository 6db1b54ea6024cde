"""``python -m mercado_payment``: serve the payment service."""

from __future__ import annotations

from mercado_payment.app import create_app
from mercado_payment.settings import PaymentSettings
from mercado_toolkit.serve import service_main

main = service_main(create_app, PaymentSettings)

if __name__ == "__main__":
    main()
