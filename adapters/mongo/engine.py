"""mongoeco's SQLite engine as the embedded default uses it."""

from mongoeco.engines.sqlite import SQLiteEngine as _SQLiteEngine


class SQLiteEngine(_SQLiteEngine):
    pass
