"""Plain domain code: no `telegram` import here, only data in and data out."""
