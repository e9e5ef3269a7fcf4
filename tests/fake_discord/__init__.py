"""A fake Discord (REST and gateway) on 127.0.0.1 for end-to-end tests of the real discord.py client."""

from .server import FakeDiscord, Recorded

__all__ = ["FakeDiscord", "Recorded"]
