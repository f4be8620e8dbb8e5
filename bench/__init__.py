"""Ronghub benchmarks. `python -m bench.run` runs them all and writes `.bench/*.json`.

Benchmarks report ratios against a baseline measured in the same run on the same
machine (e.g. a bare litestar endpoint), never absolute claims: the numbers depend
on the machine and on whatever else it is doing.
"""
