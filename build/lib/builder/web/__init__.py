"""The HTTP adapter: the only package that imports Starlette. Routes, request schemas, the one
error handler with its table {domain error → status}, OpenAPI, the server factory.
"""
