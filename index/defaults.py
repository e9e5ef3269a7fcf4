"""Defaults the library and the app's settings share, written once.

`bot/core/config.py` takes its defaults from here, so `config.example.toml`, the settings object
and the library's own keyword defaults cannot drift apart (a test holds the example to them).
"""

PASSAGES_PER_ANSWER = 3
"""k: passages quoted in an answer."""
EMBEDDING_BATCH = 32
"""Texts embedded at once (the ONNX runtime takes at most 8 of them at a time)."""
VERSIONS_KEPT = 3
"""Complete index versions kept on disk, the one in use included."""
