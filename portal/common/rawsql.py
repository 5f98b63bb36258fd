"""Model instances from hand-written SQL, for the few hot paths where building the query through
the ORM costs more than running it (the API console's per-call access check: ~85% of that
lookup was query compilation, ~15% the database).

`ModelColumns(Model, "alias")` lists the model's concrete columns under a table alias for a SELECT
and turns the matching slice of a result row back into an instance, with the same backend and
field converters the ORM applies (datetimes and JSON on SQLite, JSON on PostgreSQL, ...), through
`Model.from_db`, so the instance is what a queryset would have returned (`_state.adding` False,
`_state.db` set, deferred nothing). Column lists follow the model: a new field needs no SQL edit.

`insert(instance)` is `instance.save(force_insert=True)` without signals or query building: every
value goes through the field's own `pre_save` + `get_db_prep_save`, as the ORM's INSERT does.
"""

from __future__ import annotations

from django.db import connections


class ModelColumns:
    def __init__(self, model, alias: str):
        self.model = model
        self.alias = alias
        self.fields = list(model._meta.concrete_fields)
        self.attnames = [f.attname for f in self.fields]
        self.pk_index = self.fields.index(model._meta.pk)
        self._converters: dict[str, list] = {}
        self._inserts: dict[str, tuple[str, list]] = {}

    def __len__(self) -> int:
        return len(self.fields)

    def select(self, using: str = "default") -> str:
        """`alias."col1", alias."col2", ...` in field order."""
        quote = connections[using].ops.quote_name
        return ", ".join(f"{self.alias}.{quote(f.column)}" for f in self.fields)

    def _converters_for(self, using: str) -> list:
        converters = self._converters.get(using)
        if converters is None:
            connection = connections[using]
            converters = []
            for i, f in enumerate(self.fields):
                col = f.get_col(self.alias)
                found = connection.ops.get_db_converters(col) + f.get_db_converters(connection)
                if found:
                    converters.append((i, found, col))
            self._converters[using] = converters
        return converters

    def build(self, row, start: int = 0, using: str = "default"):
        """The instance in row[start:start + len(self)], or None when its primary key is NULL
        (the LEFT JOIN found nothing)."""
        values = list(row[start : start + len(self.fields)])
        if values[self.pk_index] is None:
            return None
        connection = connections[using]
        for i, converters, col in self._converters_for(using):
            value = values[i]
            for converter in converters:
                value = converter(value, col, connection)
            values[i] = value
        return self.model.from_db(using, self.attnames, values)

    def _insert_sql(self, using: str) -> tuple[str, list]:
        cached = self._inserts.get(using)
        if cached is None:
            connection = connections[using]
            quote = connection.ops.quote_name
            fields = [f for f in self.fields if f is not self.model._meta.pk]
            sql = (
                f"INSERT INTO {quote(self.model._meta.db_table)} ({', '.join(quote(f.column) for f in fields)})"
                f" VALUES ({', '.join(['%s'] * len(fields))}) RETURNING {quote(self.model._meta.pk.column)}"
            )
            cached = self._inserts[using] = (sql, fields)
        return cached

    def insert(self, instance, using: str = "default"):
        """INSERT the instance (auto primary key) and set its pk; no model signals are sent."""
        assert connections[using].features.can_return_columns_from_insert
        sql, fields = self._insert_sql(using)
        connection = connections[using]
        params = [f.get_db_prep_save(f.pre_save(instance, True), connection) for f in fields]
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            instance.pk = cursor.fetchone()[0]
        instance._state.adding = False
        instance._state.db = using
        return instance
