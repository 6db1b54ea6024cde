"""Mercado Shop operator: a Shop custom resource in, the whole shop running out."""

__version__ = "0.1.0"
