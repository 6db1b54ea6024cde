"""The telemetry schema is the one list of names: the metric objects services record
through, and the labels they carry, agree with it."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest
from prometheus_client import Counter, Gauge, Histogram
from prometheus_client.metrics import MetricWrapperBase

from mercado_observability.schema import load
from mercado_operator import metrics as operator_metrics
from mercado_toolkit import metrics as toolkit_metrics

pytestmark = pytest.mark.unit

ROOT = Path(__file__).resolve().parents[2]
TYPES = {Counter: "counter", Gauge: "gauge", Histogram: "histogram"}


def _objects(module: object = toolkit_metrics) -> dict[str, MetricWrapperBase]:
    found = {}
    for value in vars(module).values():
        if isinstance(value, MetricWrapperBase):
            name = value._name + ("_total" if isinstance(value, Counter) else "")
            found[name] = value
    return found


def test_every_metric_object_is_declared_with_its_type_labels_and_help() -> None:
    schema = load()
    objects = _objects()
    for name, obj in objects.items():
        assert name in schema.metrics, f"{name} is recorded but not declared in the schema"
        declared = schema.metrics[name]
        assert TYPES[type(obj)] == declared.type, name
        assert tuple(obj._labelnames) == declared.labels, name
        assert obj._documentation == declared.help, name
    services = {n for n, m in schema.metrics.items() if m.emitted_by == "services"}
    assert services == set(objects), "declared for the services but never recorded"


def test_the_operators_metrics_are_declared_with_their_labels() -> None:
    schema = load()
    objects = _objects(operator_metrics)
    declared = {n for n, m in schema.metrics.items() if m.emitted_by == "operator"}
    assert declared == set(objects)
    for name, obj in objects.items():
        assert TYPES[type(obj)] == schema.metrics[name].type, name
        assert tuple(obj._labelnames) == schema.metrics[name].labels, name
        assert obj._documentation == schema.metrics[name].help, name


def test_labels_are_declared_bounded_and_never_a_target_label() -> None:
    schema = load()
    assert {"job", "instance", "namespace", "pod", "service", "container"} <= set(
        schema.reserved_target_labels
    )
    for metric in schema.metrics.values():
        for label in metric.labels:
            assert label not in schema.reserved_target_labels, (metric.name, label)
            assert label in schema.labels, f"{metric.name}: label {label} not declared"
            spec = schema.labels[label]
            assert spec.values or spec.bound, f"label {label} states neither values nor bound"
            if spec.bound == "the values listed per metric":
                assert label in metric.values, f"{metric.name} lists no {label} values"
            assert not re.search(r"(^|_)(id|sku|email|key)$", label), f"{label} looks unbounded"
    for rule, labels in schema.recording_rules.items():
        assert set(labels) <= set(schema.labels), rule


def test_literal_label_values_in_the_code_are_declared() -> None:
    """``METRIC.labels("orders", "confirmed")`` with literals: each literal is allowed."""
    schema = load()
    by_object = {
        attr: schema.metrics[obj._name + ("_total" if isinstance(obj, Counter) else "")]
        for attr, obj in vars(toolkit_metrics).items()
        if isinstance(obj, MetricWrapperBase)
    }
    checked = 0
    sources = ("services/*/src/**/*.py", "packages/*/src/**/*.py", "operator/src/**/*.py")
    for path in [p for pattern in sources for p in ROOT.glob(pattern)]:
        for node in ast.walk(ast.parse(path.read_text())):
            if not (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Attribute)
                and node.func.attr == "labels"
                and isinstance(node.func.value, ast.Name)
                and node.func.value.id in by_object
            ):
                continue
            metric = by_object[node.func.value.id]
            for label, arg in zip(metric.labels, node.args, strict=False):
                if not (isinstance(arg, ast.Constant) and isinstance(arg.value, str)):
                    continue
                allowed = metric.values.get(label) or schema.labels[label].values
                if allowed is not None:
                    assert arg.value in allowed, f"{path}:{node.lineno} {label}={arg.value!r}"
                    checked += 1
    assert checked > 10


def test_every_event_type_of_the_contracts_is_an_allowed_label_value() -> None:
    from mercado_contracts.events import EVENTS

    allowed = load().labels["event_type"].values or ()
    assert {e.TYPE for e in EVENTS} | {"unknown"} == set(allowed)


def test_span_attributes_set_by_hand_are_declared() -> None:
    schema = load()
    source = (ROOT / "packages/toolkit/src/mercado_toolkit/tracing.py").read_text()
    constants = re.findall(r'^[A-Z_]+ = "([a-z._]+)"$', source, re.MULTILINE)
    assert constants
    assert set(constants) <= set(schema.span_attributes)
    for span in schema.spans:
        assert set(span["attributes"]) <= set(schema.span_attributes), span["name"]


def test_undeclared_names_in_a_query_are_found() -> None:
    schema = load()
    assert schema.undeclared("sum(rate(mercado_http_requests_total[5m]))") == set()
    assert schema.undeclared("rate(mercado_http_request_duration_seconds_bucket[1m])") == set()
    assert schema.undeclared("mercado_stock_available_units") == {"mercado_stock_available_units"}
