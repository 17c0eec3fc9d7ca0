"""Crawl support the spider and pipelines use: navigation and list rules, the TRS search-API list,
the scope guard, revisits, resume, failure reasons, the per-run state and the runner.

Nothing here parses report content: that is govcrawl.extract.
"""
