"""Benchmark results: parse the tools' output files (and captured Job logs) into one normalised schema.

`collect.collect(paths, ...)` is the entry point of `inferstack bench collect`; `parsers/` holds one
module per tool; `identity` builds the stack identity a benchmark Job carries in its log.
"""
