"""The package's version: the one place it is written (``pyproject.toml`` reads it from here).

Kept out of ``importlib.metadata``, whose import (the email parser and friends) took some
24 ms of every command's start.
"""

__version__ = "0.1.0"
