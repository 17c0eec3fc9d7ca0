"""The SQLite store: schema and migrations (schema.py), the Store (store.py), analysis views (views.py),
near-duplicate tables (neardup.py), one writer per DB (writelock.py).

The only package that issues SQL.
"""
from .store import (BUSY_TIMEOUT, SCHEMA_VERSION, WRITE_PATIENCE, SchemaError, Store, StoreBusy, is_lock_error,
                    new_run_id, now, sha256)

__all__ = ["BUSY_TIMEOUT", "SCHEMA_VERSION", "WRITE_PATIENCE", "SchemaError", "Store", "StoreBusy", "is_lock_error",
           "new_run_id", "now", "sha256"]
