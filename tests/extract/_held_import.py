"""A module whose import blocks while tests/extract/test_pool.py holds it (synthetic, for that test):
the state of a module another thread is importing at the instant a worker is started."""
import builtins

_gate = getattr(builtins, "_govcrawl_test_hold_import", None)
if _gate is not None:
    _gate.wait(60)

VALUE = 42
