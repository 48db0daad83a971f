"""yibao (医保): a platform for regional medical security bureaus."""
__version__ = "0.1.0"
