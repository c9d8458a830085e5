"""The calix version (part of every cache key and result file)."""

__version__ = "0.1.0"
