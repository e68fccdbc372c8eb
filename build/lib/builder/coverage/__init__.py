"""The coverage gate: what each role must cover against what its path teaches, the diff
against a base revision, and its output formats.

Imports `builder.curriculum` and the base modules.
"""
