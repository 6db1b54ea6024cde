"""The tokens and passwords of a Shop, generated once by the operator and then kept.

``helm template`` cannot ``lookup`` a Secret and would roll new random values on every
render, so the operator owns this Secret: it creates missing keys and never changes a
value that exists.
"""

from __future__ import annotations

import base64
import secrets

from mercado_topology import SHOP

# Keys the umbrella chart reads from global.secrets.existingSecret (charts/mercado-lib's
# mercado.secretKeys): the PostgreSQL superuser's password, one key per token the services
# present, one database password per service with a database.
KEYS = (
    "postgres-password",
    *(f"{token}-token" for token in SHOP.tokens),
    *(f"{c.name}-database-password" for c in SHOP.services if c.database),
)


def missing_keys(existing: dict[str, str]) -> dict[str, str]:
    """New base64 values for the keys ``existing`` (a Secret's ``data``) lacks."""
    return {
        key: base64.b64encode(secrets.token_urlsafe(24).encode()).decode()
        for key in KEYS
        if key not in existing
    }
