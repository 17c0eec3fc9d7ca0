"""Scrapy settings for govcrawl (scrapy.cfg points here).

Polite by default: robots.txt obeyed, AutoThrottle on, at most 2 concurrent
requests per domain, a user agent that names govcrawl. A portal may override
the politeness values in portals.toml ([portal.politeness]).
"""
from warcio.bufferedreaders import BufferedReader as _WarcReader

from govcrawl import __version__

_decoders = _WarcReader.get_supported_decompressors

BOT_NAME = "govcrawl"
SPIDER_MODULES = ["govcrawl.spiders"]
NEWSPIDER_MODULE = "govcrawl.spiders"

USER_AGENT = f"govcrawl/{__version__} (research crawler for 政府信息公开工作年度报告; +https://github.com/govcrawl/govcrawl)"
ROBOTSTXT_OBEY = True
CONCURRENT_REQUESTS = 8
CONCURRENT_REQUESTS_PER_DOMAIN = 2
DOWNLOAD_DELAY = 1.0
AUTOTHROTTLE_ENABLED = True
AUTOTHROTTLE_START_DELAY = 1.0
AUTOTHROTTLE_MAX_DELAY = 30.0
AUTOTHROTTLE_TARGET_CONCURRENCY = 1.0

# Bodies are archived as sent: ask only for encodings the archive's reader (warcio) decodes
# (Scrapy would also offer zstd, which would be archived unreadable).
DEFAULT_REQUEST_HEADERS = {"Accept": "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8", "Accept-Language": "en",
                           "Accept-Encoding": ", ".join(e for e in ("gzip", "deflate", "br") if e in _decoders())}
RETRY_ENABLED = True
RETRY_TIMES = 3
RETRY_HTTP_CODES = [500, 502, 503, 504, 522, 524, 408, 429]
DOWNLOAD_TIMEOUT = 30
DOWNLOAD_MAXSIZE = 30 * 1024 * 1024  # reports with scanned annexes reach ~20 MB; more is junk
DOWNLOAD_WARNSIZE = 10 * 1024 * 1024
REDIRECT_MAX_TIMES = 10
# Pagination is not depth: link depth and list sizes are limited by govcrawl/crawl/budget.py
# (max_nav_depth, max_list_pages ...); Scrapy's depth limit would cut long 下一页 chains.
DEPTH_LIMIT = 0
# Last guards behind the per-portal budgets (govcrawl/crawl/budget.toml).
CLOSESPIDER_TIMEOUT = 86400
CLOSESPIDER_PAGECOUNT = 500000
# Every connection's addresses checked where it is made (SSRF, DNS rebinding): govcrawl/crawl/ssrf.py.
TWISTED_DNS_RESOLVER = "govcrawl.crawl.ssrf.GuardedResolver"
GOVCRAWL_DNS_SERVERS = ""  # "host:port,…": ask these DNS servers instead of the system's
SPIDER_MIDDLEWARES = {"govcrawl.crawl.budget.BudgetSpiderMiddleware": 950}  # sees callback output first
COOKIES_ENABLED = False
# No remote consoles into a crawl: Scrapy's telnet console and its HTTP remote control
# (2.19+: runs posted Python code, writes job files under the user's profile) stay off.
TELNETCONSOLE_ENABLED = False
REMOTE_CONTROL_ENABLED = False
DEFAULT_DROPITEM_LOG_LEVEL = "DEBUG"
LOG_LEVEL = "INFO"

# Scope and safety (govcrawl/crawl/guard.py): allowed domains and no private addresses,
# redirects included; the scheduler audit counts requests by host.
DOWNLOADER_MIDDLEWARES = {
    "govcrawl.crawl.guard.ScopeGuardMiddleware": 40,
    "govcrawl.crawl.guard.RedirectGuardMiddleware": 650,  # sees 3xx before RedirectMiddleware (600)
    # Incremental crawls and resume: stored report pages are skipped or fetched conditionally
    # (govcrawl/crawl/revisit.py); before robots.txt (100), so a skipped page costs no lookup.
    "govcrawl.crawl.revisit.RevisitMiddleware": 50,
    # Crawl budgets (govcrawl/crawl/budget.py): counts what is really requested, drops pages of stopped lists.
    "govcrawl.crawl.budget.BudgetDownloaderMiddleware": 60,
    # robots.txt per RFC 9309 (5xx or unreachable: the host is off limits for the run), fetched once.
    # Retry-After on 429/503 honoured, capped (govcrawl/crawl/retryafter.py); otherwise Scrapy's retries.
    "scrapy.downloadermiddlewares.retry.RetryMiddleware": None,
    "govcrawl.crawl.retryafter.RetryAfterMiddleware": 550,
    "scrapy.downloadermiddlewares.robotstxt.RobotsTxtMiddleware": None,
    "govcrawl.crawl.robots.RobotsTxtMiddleware": 100,
}
# Every HTTP exchange to WARC as it comes off the wire (request + response, 3xx, revisits).
EXTENSIONS = {"govcrawl.crawl.guard.ScopeAudit": 0, "govcrawl.crawl.failures.FailureLogging": 0,
              "govcrawl.crawl.progress.CrawlProgress": 0,  # pages queued per role; the bar when GOVCRAWL_PROGRESS
              "govcrawl.crawl.warcrecorder.WarcRecorder": 0}

ITEM_PIPELINES = {
    "govcrawl.pipelines.dedup.DedupPipeline": 100,
    "govcrawl.pipelines.extract.ExtractPipeline": 300,
    "govcrawl.pipelines.store.StorePipeline": 400,
}

# govcrawl's own settings (override with -s NAME=VALUE or the CLI flags).
GOVCRAWL_DB = "govcrawl.db"
GOVCRAWL_ARCHIVE = "archive"
GOVCRAWL_PORTALS = None  # None: the bundled govcrawl/portals.toml
GOVCRAWL_RUN_ID = None
GOVCRAWL_PROGRESS = False  # a live progress bar on stderr (govcrawl crawl: on when stderr is a terminal)
GOVCRAWL_RETRY_AFTER_MAX = 120  # seconds: the longest Retry-After honoured (longer: retried after this)
