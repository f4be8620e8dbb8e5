"""Ronghub (融汇): the content hub for converged media centers."""

__version__ = "0.1.0"
