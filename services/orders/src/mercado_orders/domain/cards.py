"""Card checks done before an order is accepted (pure logic, no I/O)."""

from __future__ import annotations


def luhn_valid(number: str) -> bool:
    """The Luhn checksum every real card number satisfies."""
    if not number.isdigit():
        return False
    total = 0
    for i, char in enumerate(reversed(number)):
        digit = int(char)
        if i % 2:
            digit *= 2
            if digit > 9:
                digit -= 9
        total += digit
    return total % 10 == 0


def last4(number: str) -> str:
    return number[-4:]
