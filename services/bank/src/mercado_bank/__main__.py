"""``python -m mercado_bank``: serve the bank simulator."""

from __future__ import annotations

from mercado_bank.app import create_app
from mercado_bank.settings import BankSettings
from mercado_toolkit.serve import serve


def main() -> None:
    settings = BankSettings()
    serve(create_app(settings), settings)


if __name__ == "__main__":
    main()
