"""The hash chain and its entries: canonical JSON, hashing, verification. Pure: no SQL.

Imports `builder.course` and the layers below it.
"""
