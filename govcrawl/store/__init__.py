"""The SQLite store: schema and migrations (schema.py), the Store (store.py), near-duplicate tables (neardup.py).

The only package that issues SQL.
"""
from .store import SCHEMA_VERSION, SchemaError, Store, new_run_id, now, sha256

__all__ = ["SCHEMA_VERSION", "SchemaError", "Store", "new_run_id", "now", "sha256"]
