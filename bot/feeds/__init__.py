"""Feed subscriptions: a corpus kept fresh by itself.

parsing.py        RSS 2.0, RSS 1.0 and Atom (feedparser); a site's page naming its feed
state.py          subscriptions and the entries each has seen (SQLite, or PostgreSQL for every process)
polling.py        one poll cycle of a corpus: polite fetching, new entries kept as added articles,
                  one index version per cycle
subscriptions.py  add, list, remove, pause, resume: what `newsbot feed`, `:feeds` and /feed share
"""
