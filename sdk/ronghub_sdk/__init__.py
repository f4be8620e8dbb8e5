"""Ronghub SDK: what plugin authors and partner platforms import."""

__version__ = "0.1.0"

__all__ = ["__version__"]
