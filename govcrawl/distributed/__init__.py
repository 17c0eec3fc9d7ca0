"""A crawl spread over several machines: scrapy-redis workers, one SQLite writer.

    govcrawl crawl NAME --redis redis://HOST:6379/0 --worker      # on each machine, as often as wanted
    govcrawl ingest --redis redis://HOST:6379/0 --db govcrawl.db   # once: the only process writing the DB
    govcrawl status --redis redis://HOST:6379/0                    # what is queued, in flight, waiting

Workers run the same spider and pipelines as a single-machine crawl, with three
parts swapped in (``settings.worker_overrides``):

* scheduling: scrapy-redis' scheduler and dupefilter, so every worker draws from
  one queue and no URL is crawled twice; a request popped by a worker is held in
  that worker's *in-flight* hash (one Lua call: pop + hold) until its item has
  reached the writer's stream, so a worker killed mid-request loses nothing —
  its requests go back to the queue when it restarts, or when another worker
  sees its heartbeat expire (``scheduler.py``, ``worker.py``);
* politeness: one Redis lease set per host, so N workers together never hold
  more than the portal's ``concurrent_requests_per_domain`` requests to a host
  nor start them faster than its ``download_delay`` (``politeness.py``);
* storing: each worker archives to its own WARC files (worker id in the name)
  and extracts locally; the item — metadata, the extractor's output and the
  WARC location, never the body — goes to a Redis stream (``sink.py``).

``ingest.py`` reads the stream in a consumer group and writes through the same
store pipeline as a local crawl; an entry is acknowledged only after its rows are
committed, and its ``pages`` row (written last) carries a fetch key, so an entry
delivered again after a writer kill is recognised and not written twice.

Redis holds pickled requests and items (as scrapy-redis itself does): it must be
a server only the crawl's machines can reach.
"""
