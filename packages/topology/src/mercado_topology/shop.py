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
            accepts=(Accept("orders", "orders_token"),),
            publishes=("stock_changed", "low_stock"),
            consumes=("catalog.product.created",),
            database=True,
        ),
        Component(
            "bank",
            Kind.SERVICE,
            8109,
            accepts=(Accept("payment", "client_token"),),
            database=True,
        ),
        Component(
            "payment",
            Kind.SERVICE,
            8104,
            calls=(Call("bank", "bank_url", "payment", "bank_token"),),
            accepts=(Accept("orders", "orders_token"),),
            publishes=("payment.succeeded", "payment.failed", "payment.refunded"),
            database=True,
        ),
        Component(
            "orders",
            Kind.SERVICE,
            8103,
            calls=(
                Call("catalog", "catalog_url"),
                Call("inventory", "inventory_url", "orders", "orders_token"),
                Call("payment", "payment_url", "orders", "orders_token"),
            ),
            accepts=(Accept("gateway", "gateway_token"),),
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
                Call("catalog", "catalog_url"),
                Call("orders", "orders_url", "gateway", "orders_token"),
            ),
            public=True,
        ),
    ),
)
