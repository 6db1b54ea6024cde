"""Mercado's topology. Adding a service to the shop is one entry here."""

from __future__ import annotations

from mercado_topology.model import Accept, Call, Component, Kind, Topology

SHOP = Topology(
    tokens=("admin", "orders", "gateway", "payment"),
    components=(
        Component("nats", Kind.NATS, 4222, readiness_path="", liveness_path=""),
        Component("smtp", Kind.SMTP, 8125, readiness_path="", liveness_path=""),
        Component(
            "catalog",
            Kind.SERVICE,
            8101,
            publishes=("product.created", "product.updated", "product.deleted"),
            consumes=("inventory.stock_changed",),
            database=True,
        ),
        Component(
            "inventory",
            Kind.SERVICE,
            8102,
            accepts=(Accept("orders", "accepted_callers__orders"),),
            publishes=("stock_changed", "low_stock"),
            consumes=("catalog.product.created",),
            database=True,
        ),
        Component(
            "bank",
            Kind.SERVICE,
            8109,
            accepts=(Accept("payment", "accepted_callers__payment"),),
            database=True,
        ),
        Component(
            "payment",
            Kind.SERVICE,
            8104,
            calls=(Call("bank", "bank__url", "payment", "bank__token"),),
            accepts=(Accept("orders", "accepted_callers__orders"),),
            publishes=("payment.succeeded", "payment.failed", "payment.refunded"),
            database=True,
        ),
        Component(
            "orders",
            Kind.SERVICE,
            8103,
            calls=(
                Call("catalog", "catalog__url"),
                Call("inventory", "inventory__url", "orders", "inventory__token"),
                Call("payment", "payment__url", "orders", "payment__token"),
            ),
            accepts=(Accept("gateway", "accepted_callers__gateway"),),
            publishes=("order.placed", "order.confirmed", "order.cancelled"),
            database=True,
        ),
        Component(
            "notifications",
            Kind.SERVICE,
            8105,
            consumes=("orders.order.confirmed", "orders.order.cancelled", "inventory.low_stock"),
            database=True,
            mail=True,
        ),
        Component(
            "gateway",
            Kind.SERVICE,
            8080,
            calls=(
                Call("catalog", "catalog__url"),
                Call("orders", "orders__url", "gateway", "orders__token"),
            ),
            public=True,
        ),
    ),
)
