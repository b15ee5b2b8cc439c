"""Version of the mmwsss package."""

__version__ = '0.1.0'
