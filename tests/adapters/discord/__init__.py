"""Discord adapter tests.

discord.py imports the stdlib `audioop` (voice support, unused here), which warns on Python
3.11–3.12; the suite turns warnings into errors, so discord is first imported here with that
one warning ignored.
"""

import warnings

with warnings.catch_warnings():
    warnings.filterwarnings("ignore", "'audioop' is deprecated", DeprecationWarning)
    import discord  # noqa: F401
