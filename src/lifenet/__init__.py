"""LifeNet: the software of a regional pediatric critical-care network."""

__version__ = "0.1.0"
