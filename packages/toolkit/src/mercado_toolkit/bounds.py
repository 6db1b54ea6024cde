"""Bounds shared by every service for what enters through a query, path or body."""

from __future__ import annotations

from typing import Annotated

from email_validator import EmailNotValidError, validate_email
from pydantic import AfterValidator, StringConstraints

# Money in minor units: the largest amount any service accepts (the bank's own limit).
MAX_AMOUNT = 100_000_000_000
# The largest page offset a list endpoint accepts (far beyond any real list).
MAX_OFFSET = 1_000_000_000
# A single-line text (a name, a reason): no control characters at all.
SINGLE_LINE = r"^[^\x00-\x1f\x7f]*$"
# A multi-line text (a description): tabs and line breaks, no other control character.
MULTI_LINE = r"^[^\x00-\x08\x0b\x0c\x0e-\x1f\x7f]*$"


def deliverable_email(value: str) -> str:
    """An address a mail server can take: valid syntax (email-validator), ASCII or
    internationalised, no control characters; normalised, lower-cased. ValueError else."""
    try:
        found = validate_email(value, check_deliverability=False, allow_smtputf8=False)
    except EmailNotValidError as exc:
        raise ValueError(f"not a deliverable e-mail address: {exc}") from None
    return str(found.ascii_email or found.normalized).lower()


# An e-mail address in a request body or query: validated where it enters.
Email = Annotated[
    str,
    StringConstraints(max_length=254, pattern=SINGLE_LINE),
    AfterValidator(deliverable_email),
]
