"""Test infrastructure shipped with the package: the local fixture portal server (used by the tests,
`govcrawl demo` and bench/). Never used by a real crawl."""
