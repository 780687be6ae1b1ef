"""Type and default normalisation shared by the Python and SQL extractors."""

from __future__ import annotations

from ..model import DefaultSpec, TypeSpec

# SQLAlchemy type class (lower case) or SQL type name → normalised name.
TYPE_NAMES: dict[str, str] = {
    "string": "varchar",
    "varchar": "varchar",
    "unicode": "varchar",
    "nvarchar": "varchar",
    "character varying": "varchar",
    "text": "text",
    "unicodetext": "text",
    "clob": "text",
    "mediumtext": "mediumtext",
    "longtext": "longtext",
    "tinytext": "tinytext",
    "char": "char",
    "nchar": "char",
    "bpchar": "char",
    "integer": "integer",
    "int": "integer",
    "int4": "integer",
    "serial": "serial",
    "biginteger": "bigint",
    "bigint": "bigint",
    "int8": "bigint",
    "bigserial": "bigserial",
    "smallinteger": "smallint",
    "smallint": "smallint",
    "int2": "smallint",
    "tinyint": "tinyint",
    "numeric": "numeric",
    "decimal": "numeric",
    "float": "float",
    "float8": "float",
    "double": "float",
    "double_precision": "float",
    "real": "real",
    "float4": "real",
    "datetime": "timestamp",
    "timestamp": "timestamp",
    "timestamptz": "timestamptz",
    "date": "date",
    "time": "time",
    "timetz": "timetz",
    "interval": "interval",
    "boolean": "boolean",
    "bool": "boolean",
    "enum": "enum",
    "json": "json",
    "jsonb": "jsonb",
    "uuid": "uuid",
    "uuid_": "uuid",
    "cidr": "cidr",
    "inet": "inet",
    "citext": "citext",
    "array": "array",
    "largebinary": "bytea",
    "bytea": "bytea",
    "blob": "blob",
    "set": "set",
}

VOLATILE_FUNCTIONS = frozenset(
    {
        "random",
        "gen_random_uuid",
        "uuid_generate_v1",
        "uuid_generate_v1mc",
        "uuid_generate_v4",
        "uuidv4",
        "uuidv7",
        "clock_timestamp",
        "timeofday",
        "nextval",
        "txid_current",
        "setseed",
        "uuid",
        "rand",
        "sysdate",
    }
)
"""Functions whose value differs per row: as a column default they rewrite the table."""


def normalise_type(
    name: str, args: tuple[int | str, ...] = (), raw: str = "", tz: bool = False
) -> TypeSpec:
    """Build a :class:`TypeSpec` from a class or SQL type name."""
    key = name.lower()
    norm = TYPE_NAMES.get(key, key)
    if norm == "timestamp" and tz:
        norm = "timestamptz"
    if norm == "time" and tz:
        norm = "timetz"
    return TypeSpec(norm, args, raw)


def default_from_function(name: str, text: str) -> DefaultSpec:
    """A server default that calls a SQL function."""
    return DefaultSpec(text, volatile=name.lower() in VOLATILE_FUNCTIONS, expression=True)


def default_from_sql(text: str) -> DefaultSpec:
    """A server default given as SQL text (``sa.text("now()")``, ``"0"``)."""
    lowered = text.lower()
    head = lowered.split("(", 1)[0].strip()
    if "(" in lowered:
        volatile = any(fn + "(" in lowered.replace(" ", "") for fn in VOLATILE_FUNCTIONS)
        return DefaultSpec(text, volatile=volatile, expression=True)
    return DefaultSpec(text, volatile=head in VOLATILE_FUNCTIONS, expression=False)
