"""The built-in channel plugins, one package per channel (the platforms they deliver to: docs/platforms.md).

They are registered through the same `ronghub.channels` entry points outside plugins
use, and depend only on ronghub_sdk (plus a format library where a standard needs one).
"""
