"""``python -m mercado_bank``: serve the bank simulator."""

from __future__ import annotations

from mercado_bank.app import create_app
from mercado_bank.settings import BankSettings
from mercado_toolkit.serve import service_main

main = service_main(create_app, BankSettings)

if __name__ == "__main__":
    main()
