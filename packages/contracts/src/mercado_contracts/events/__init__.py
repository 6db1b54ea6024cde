"""Every event payload, as a versioned model validated on publish and on consume."""

from mercado_contracts.events.base import EventPayload
from mercado_contracts.events.catalog import ProductCreated, ProductDeleted, ProductUpdated
from mercado_contracts.events.inventory import LowStock, StockChanged
from mercado_contracts.events.notifications import NotificationFailed, NotificationSent
from mercado_contracts.events.orders import OrderCancelled, OrderConfirmed, OrderPlaced
from mercado_contracts.events.payment import PaymentFailed, PaymentRefunded, PaymentSucceeded

# Every event of the shop, in the order the schema file lists them.
EVENTS: tuple[type[EventPayload], ...] = (
    ProductCreated,
    ProductUpdated,
    ProductDeleted,
    StockChanged,
    LowStock,
    OrderPlaced,
    OrderConfirmed,
    OrderCancelled,
    PaymentSucceeded,
    PaymentFailed,
    PaymentRefunded,
    NotificationSent,
    NotificationFailed,
)

__all__ = [
    "EVENTS",
    "EventPayload",
    "LowStock",
    "NotificationFailed",
    "NotificationSent",
    "OrderCancelled",
    "OrderConfirmed",
    "OrderPlaced",
    "PaymentFailed",
    "PaymentRefunded",
    "PaymentSucceeded",
    "ProductCreated",
    "ProductDeleted",
    "ProductUpdated",
    "StockChanged",
]
