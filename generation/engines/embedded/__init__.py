"""Embedded procedural engine package; `EmbeddedEngine` is the public entry point."""

from .engine import EmbeddedEngine

__all__ = ["EmbeddedEngine"]
