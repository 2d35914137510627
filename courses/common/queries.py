"""Query pieces every area uses."""

from django.db import connection
from django.utils import timezone

# Rows per INSERT: four parameters each stays well under every database's parameter limit.
CLAIM_BATCH = 500


def insert_claims(model, key_fields: tuple[str, ...], keys: list[tuple]) -> list[tuple]:
    """Insert one row of `model` per key (values of `key_fields`, sent_at now); return the keys
    whose row this call inserted.

    A row that already exists (another run got there first, even one still in its transaction)
    is skipped by the database and not returned, so its email is sent once. Django's
    bulk_create(ignore_conflicts=True) cannot say which rows it inserted, hence RETURNING."""
    if not keys:
        return []
    meta = model._meta
    quote = connection.ops.quote_name
    key_columns = ", ".join(quote(meta.get_field(name).column) for name in key_fields)
    table = quote(meta.db_table)
    sent_at_column = quote(meta.get_field("sent_at").column)
    sent_at = connection.ops.adapt_datetimefield_value(timezone.now())
    placeholders = "(" + ", ".join(["%s"] * (len(key_fields) + 1)) + ")"
    inserted = []
    with connection.cursor() as cursor:
        for start in range(0, len(keys), CLAIM_BATCH):
            batch = keys[start : start + CLAIM_BATCH]
            rows = ", ".join([placeholders] * len(batch))
            # Only quoted names from the model go into the text; every value is a parameter.
            sql = (
                f"INSERT INTO {table} ({key_columns}, {sent_at_column}) VALUES {rows} "  # noqa: S608
                f"ON CONFLICT DO NOTHING RETURNING {key_columns}"
            )
            cursor.execute(sql, [value for key in batch for value in (*key, sent_at)])
            inserted.extend(tuple(row) for row in cursor.fetchall())
    return inserted
