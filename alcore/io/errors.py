"""`DataError`, the one exception for bad user data, in a module of its own so every reader can raise it."""


class DataError(Exception):
    """A problem with the user's data, told in plain words: what is wrong and what to do."""
