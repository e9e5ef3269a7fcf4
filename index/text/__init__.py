"""Files and pages -> articles -> passages.

loaders.py    reading a corpus: .txt, .md, .html and .jsonl files into articles
cleaning.py   clean text and metadata (byline, date, outlet) from what a file or page holds
sentences.py  sentence boundaries, cut to a bounded length
chunking.py   sentence-aware passages that fit the model's input
"""
