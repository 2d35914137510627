"""Writing many rows at once: COPY on PostgreSQL, executemany elsewhere.

For generated or worked-out rows (the scale seed, the dashboard's figures) where building a
model instance per row would cost more than writing it: rows are plain tuples in the order of
`columns` (database column names), and nothing is validated or signalled."""

from collections.abc import Iterable
from datetime import date, datetime, time

from django.db import connection

BATCH = 5000


def rows_write(model, columns: tuple[str, ...], rows: Iterable[tuple]) -> int:
    """Insert `rows` into `model`'s table; the number written. Columns not given take their
    field's default, as a model's save() would give them, so a field added later never breaks
    a writer that does not know it."""
    filled = _defaults_of(model, columns)
    if filled:
        extra = tuple(value for _column, value in filled)
        columns = (*columns, *(column for column, _value in filled))
        rows = (tuple(row) + extra for row in rows)
    table = connection.ops.quote_name(model._meta.db_table)
    names = ", ".join(connection.ops.quote_name(column) for column in columns)
    written = 0
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # The psycopg cursor under Django's wrapper: COPY is psycopg's, not the DB API's.
            with cursor.cursor.copy(f"COPY {table} ({names}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
                    written += 1
        else:
            marks = ", ".join(["%s"] * len(columns))
            sql = f"INSERT INTO {table} ({names}) VALUES ({marks})"  # noqa: S608
            batch = []
            for row in rows:
                batch.append(tuple(_adapted(value) for value in row))
                if len(batch) == BATCH:
                    cursor.executemany(sql, batch)
                    written += len(batch)
                    batch = []
            if batch:
                cursor.executemany(sql, batch)
                written += len(batch)
    return written


def _defaults_of(model, columns) -> list[tuple[str, object]]:
    """(column, value to store) for each of `model`'s columns not among `columns` that holds a
    default: a declared one, or the empty text of a text column."""
    filled = []
    for field in model._meta.concrete_fields:
        if field.column in columns or field.primary_key:
            continue
        value = field.get_default()
        if value is None:
            continue
        filled.append((field.column, field.get_db_prep_save(value, connection)))
    return filled


def _adapted(value):
    """A value as Django itself would store it in SQLite (naive UTC date-times, ISO dates)."""
    if isinstance(value, datetime):
        return connection.ops.adapt_datetimefield_value(value)
    if isinstance(value, date):
        return connection.ops.adapt_datefield_value(value)
    if isinstance(value, time):
        return connection.ops.adapt_timefield_value(value)
    return value
