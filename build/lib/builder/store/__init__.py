"""Storage: the only package that imports SQLAlchemy, sqlite3 or psycopg. One schema, named
ordered migrations, SQLite and PostgreSQL behind one interface, every query.

Imports `builder.lifecycle`, `builder.ledger`, `builder.course` and the layers below.
"""
