"""The two offline ways into the DB: reparse (archive -> extract -> store) and import (files -> archive -> extract -> store)."""
