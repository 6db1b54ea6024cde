from __future__ import annotations

from mercado_toolkit.events.envelope import Envelope, dead_letter_subject, nats_subject


def test_subjects_follow_the_naming_scheme() -> None:
    assert nats_subject("inventory", "stock_changed") == "mercado.inventory.stock_changed"
    assert nats_subject("orders", "order.confirmed") == "mercado.orders.order.confirmed"
    assert dead_letter_subject("catalog-stock") == "mercado.deadletter.catalog-stock"


def test_envelope_has_id_time_and_round_trips() -> None:
    e = Envelope(type="stock_changed", source="inventory", subject="SKU-1", data={"a": 1})
    again = Envelope.model_validate_json(e.model_dump_json())
    assert again == e
    assert e.time.tzinfo is not None and len(e.id) == 36
    assert e.nats_subject == "mercado.inventory.stock_changed"
    assert Envelope(type="x", source="y").id != e.id
