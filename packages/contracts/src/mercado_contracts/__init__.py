"""Mercado contracts: every type that crosses a service boundary, defined once.

Pure pydantic and the standard library: no web framework, database, HTTP client, toolkit
or service imports here (import-linter holds this)."""
