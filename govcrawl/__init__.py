"""govcrawl: crawl, archive and extract Chinese government information-disclosure annual reports."""

__version__ = "0.1.0"
