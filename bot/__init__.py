"""Paperboy: the week's ML papers in your team's channels, ranked by your team's votes."""

__version__ = "0.1.0"
