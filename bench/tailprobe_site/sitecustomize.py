"""Loads bench.tailprobe in every Python process started with RONGHUB_TAILPROBE_DIR set and
this folder on PYTHONPATH (the hub and its API workers): see bench/tailprobe.py."""

import os

if os.environ.get("RONGHUB_TAILPROBE_DIR"):
    from bench import tailprobe

    tailprobe.install()
