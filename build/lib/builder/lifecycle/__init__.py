"""DESIGN §8 as pure functions: the roster, people and role spans, due dates, statuses,
populations and the organisation's time zone. No SQL, no web, no CLI.

Imports `builder.course` and the layers below it.
"""
