"""Mercado observability: telemetry schema, dashboards, alert rules, local Prometheus."""
