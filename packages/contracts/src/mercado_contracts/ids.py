"""Ids and keys that cross a boundary, with their limits."""

from __future__ import annotations

import re
import uuid
from typing import Annotated

from email_validator import EmailNotValidError, validate_email
from pydantic import AfterValidator, Field, StringConstraints

from mercado_contracts.limits import MAX_EMAIL, MAX_SLUG

# Idempotency-Key header of ``POST /orders`` (gateway and orders): 1 to 200 visible ASCII
# characters, as the IETF draft suggests; a key is an opaque string chosen by the client.
MAX_IDEMPOTENCY_KEY = 200
IDEMPOTENCY_KEY_PATTERN = r"^[\x21-\x7e]{1,200}$"
_IDEMPOTENCY_KEY = re.compile(IDEMPOTENCY_KEY_PATTERN)


def valid_idempotency_key(value: str) -> bool:
    return _IDEMPOTENCY_KEY.fullmatch(value) is not None


# A SKU as every service accepts it (inventory looks stock up by it).
SKU_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$"
Sku = Annotated[str, Field(pattern=SKU_PATTERN, min_length=1, max_length=64)]
# A SKU the catalog creates: upper case, digits and dashes, 3 to 64 characters; every such
# SKU is also a :data:`Sku`.
NEW_SKU_PATTERN = r"^[A-Z0-9][A-Z0-9-]{2,63}$"
NewSku = Annotated[str, Field(pattern=NEW_SKU_PATTERN)]

# A product's id follows from its SKU (a name-based UUID, version 5): the same catalog gets
# the same ids wherever it is loaded, so the demo shop's ids are known in advance (the API
# documentation's examples name them). A SKU never changes and names one product at a time.
PRODUCT_ID_NAMESPACE = uuid.UUID("7eaf5612-669f-5db3-820a-c54f29f24152")


def product_id_for(sku: str) -> str:
    """The id of the product whose SKU is ``sku``."""
    return str(uuid.uuid5(PRODUCT_ID_NAMESPACE, sku))


# A category slug.
SLUG_PATTERN = r"^[a-z0-9]+(-[a-z0-9]+)*$"
Slug = Annotated[str, Field(pattern=SLUG_PATTERN, max_length=MAX_SLUG)]

# An order as other services refer to it (reservations, payments): orders uses UUIDs.
ORDER_REF_PATTERN = r"^[A-Za-z0-9._-]+$"
OrderRef = Annotated[str, Field(min_length=1, max_length=64, pattern=ORDER_REF_PATTERN)]

# An id in a public path (UUIDs, ULIDs): never a path segment like ``..``.
PUBLIC_ID_PATTERN = r"^[A-Za-z0-9-]{1,64}$"

# A customer's e-mail address: one a mail server can take (syntax checked by email-validator,
# no control characters, an ASCII local part, an internationalised domain in its ASCII
# form), lower-cased. The pattern is only the first, cheap filter.
EMAIL_PATTERN = r"^[^@\s]{1,64}@[^@\s]+\.[^@\s]+$"


def deliverable_email(value: str) -> str:
    """The normalised address, or ValueError saying why no mail server would take it."""
    try:
        found = validate_email(value, check_deliverability=False, allow_smtputf8=False)
    except EmailNotValidError as exc:
        raise ValueError(f"not a deliverable e-mail address: {exc}") from None
    return str(found.ascii_email or found.normalized).lower()


Email = Annotated[
    str,
    StringConstraints(max_length=MAX_EMAIL, pattern=EMAIL_PATTERN),
    AfterValidator(deliverable_email),
]
