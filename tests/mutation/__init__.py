"""``make mutation``: mutation testing of the money and data paths with mutmut (this package
holds no tests; see ``__main__``)."""
