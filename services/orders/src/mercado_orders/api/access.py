"""Who may call orders, and who may see one order.

Only the gateway (its token) and the admin call orders at all. Through the gateway, a
customer reaches an order only with its access token: returned by ``POST /orders`` (and by
a retry of the same request), derived from the order id with a key only orders knows, so
nothing more is stored and nobody can guess it.
"""

from __future__ import annotations

import base64
import hashlib
import hmac

from fastapi import Request

from mercado_orders.settings import OrdersSettings
from mercado_toolkit.auth import bearer_token, require_token, same_token
from mercado_toolkit.errors import AppError

ORDER_TOKEN_HEADER = "Order-Token"  # noqa: S105 (a header name)


def _callers(request: Request) -> list[str]:
    s: OrdersSettings = request.app.state.settings
    return [s.accepted_callers.gateway.get_secret_value(), s.admin_token.get_secret_value()]


require_caller = require_token(_callers)


def access_token(settings: OrdersSettings, order_id: str) -> str:
    digest = hmac.new(settings.order_token_secret(), order_id.encode(), hashlib.sha256).digest()
    return "ord_" + base64.urlsafe_b64encode(digest).decode().rstrip("=")


def is_admin(request: Request) -> bool:
    token = bearer_token(request)
    admin = request.app.state.settings.admin_token.get_secret_value()
    return token is not None and same_token(token, admin)


def require_order_access(request: Request, order_id: str) -> None:
    """The admin sees every order; anyone else needs the order's access token."""
    if is_admin(request):
        return
    given = request.headers.get(ORDER_TOKEN_HEADER)
    if not given:
        raise AppError(
            401,
            "order_token_required",
            f"the {ORDER_TOKEN_HEADER} header is required: the access_token returned when "
            f"the order was placed",
        )
    if not same_token(given, access_token(request.app.state.settings, order_id)):
        # Same answer as for an order that does not exist: ids cannot be probed.
        raise AppError(404, "order_not_found", f"no order with id {order_id}")
