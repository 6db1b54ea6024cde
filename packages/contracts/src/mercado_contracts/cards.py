"""Card input and card tokens: one Luhn rule, one token format."""

from __future__ import annotations

from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, StrictInt

MIN_CARD_DIGITS = 12
MAX_CARD_DIGITS = 19
CARD_NUMBER_PATTERN = rf"^[0-9]{{{MIN_CARD_DIGITS},{MAX_CARD_DIGITS}}}$"
# A token the bank issues for a card it has seen; it stands for the card afterwards.
CARD_TOKEN_PATTERN = r"^tok_[0-9a-f]{32}$"  # noqa: S105 (a format, not a secret)
CardToken = Annotated[str, Field(pattern=CARD_TOKEN_PATTERN)]


def luhn_valid(number: str) -> bool:
    """The Luhn checksum every real card number satisfies, on 12 to 19 digits."""
    if not number.isdigit() or not MIN_CARD_DIGITS <= len(number) <= MAX_CARD_DIGITS:
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


class CardIn(BaseModel):
    """Card details as a customer gives them: passed on, never stored or logged."""

    model_config = ConfigDict(extra="forbid", hide_input_in_errors=True)

    number: str = Field(pattern=CARD_NUMBER_PATTERN)
    exp_month: StrictInt = Field(ge=1, le=12)
    exp_year: StrictInt = Field(ge=2000, le=2100)
    cvc: str = Field(pattern=r"^[0-9]{3,4}$")

    def __repr__(self) -> str:  # never print the number or CVC by accident
        return f"CardIn(last4={last4(self.number)})"

    __str__ = __repr__
