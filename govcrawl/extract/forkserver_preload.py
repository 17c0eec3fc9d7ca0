"""Imported by the fork server that starts extraction workers (pool.worker_context), and only
there: it loads and freezes what every worker shares (pool.share_with_workers)."""
from .pool import share_with_workers

share_with_workers()
