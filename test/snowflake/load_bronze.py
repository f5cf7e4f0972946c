"""Loads the bronze fixture CSVs (test/fixtures/bronze-greenery) into a Snowflake connection.

Used by test/snowflake/dbt_build.py inside fakesnow.patch(), but plain snowflake.connector
code: it would load a real Snowflake account the same way. The table definitions follow the
bronze contract (src/core/bronze.ts): schema BRONZE, identifiers unquoted, contract column order.

CSV convention: header row, an unquoted empty field is NULL, "" is an empty string.

Standalone: python load_bronze.py DB_PATH CSV_DIR [CSV_DIR...]  (runs under fakesnow.patch)
"""

from __future__ import annotations

import sys
from pathlib import Path

# Snowflake column types of the contract's logical types.
SNOWFLAKE_TYPES = {
    "varchar": "VARCHAR",
    "number": "NUMBER(38,0)",
    "float": "FLOAT",
    "boolean": "BOOLEAN",
    "date": "DATE",
    "timestamp_tz": "TIMESTAMP_TZ",
    "timestamp_ntz": "TIMESTAMP_NTZ",
}

FIVETRAN = "_fivetran_deleted boolean, _fivetran_synced timestamp_tz"

# Mirrors BRONZE_TABLES of src/core/bronze.ts (same tables, same column order).
BRONZE_TABLES: dict[str, str] = {
    "addresses": f"address_id varchar, zipcode number, country varchar, address varchar, state varchar, {FIVETRAN}",
    "users": "user_id varchar, updated_at timestamp_tz, address_id varchar, last_name varchar, created_at timestamp_tz,"
    f" phone_number varchar, total_orders number, first_name varchar, email varchar, {FIVETRAN}",
    "events": "event_id varchar, page_url varchar, event_type varchar, user_id varchar, product_id varchar,"
    f" session_id varchar, created_at timestamp_ntz, order_id varchar, {FIVETRAN}",
    "orders": "order_id varchar, shipping_service varchar, shipping_cost float, address_id varchar,"
    " created_at timestamp_tz, promo_id varchar, estimated_delivery_at timestamp_tz, order_cost float,"
    " user_id varchar, order_total float, delivered_at timestamp_tz, tracking_id varchar, status varchar,"
    f" {FIVETRAN}",
    "order_items": f"order_id varchar, product_id varchar, quantity number, {FIVETRAN}",
    "products": f"product_id varchar, price float, name varchar, inventory number, {FIVETRAN}",
    "promos": f"promo_id varchar, discount number, status varchar, {FIVETRAN}",
    "budget": "_row number, product_id varchar, quantity number, month date, _fivetran_synced timestamp_tz",
}


def columns(table: str) -> list[tuple[str, str]]:
    return [tuple(part.split()) for part in (p.strip() for p in BRONZE_TABLES[table].split(","))]  # type: ignore[misc]


def create_bronze(conn, schema: str = "BRONZE") -> None:
    cur = conn.cursor()
    cur.execute(f"create schema if not exists {schema}")
    for table in BRONZE_TABLES:
        ddl = ", ".join(f"{name} {SNOWFLAKE_TYPES[kind]}" for name, kind in columns(table))
        cur.execute(f"create table if not exists {schema}.{table} ({ddl})")
    cur.close()


def read_csv(path: Path) -> tuple[list[str], list[list[str | None]]]:
    """Rows of a fixture CSV; an unquoted empty field becomes None, a quoted "" stays ''."""
    text = path.read_text(encoding="utf-8")
    # csv.QUOTE_NOTNULL (3.12+) is not available on 3.11: tell quoted from unquoted empty
    # fields by hand. The fixture never quotes anything but empty strings and text with commas.
    rows: list[list[str | None]] = []
    header: list[str] = []
    for line_no, line in enumerate(text.splitlines()):
        if not line:
            continue
        fields = split_csv_line(line)
        if line_no == 0:
            header = [f or "" for f in fields]  # type: ignore[misc]
        else:
            rows.append(fields)
    return header, rows


def split_csv_line(line: str) -> list[str | None]:
    fields: list[str | None] = []
    i, n = 0, len(line)
    while True:
        if i < n and line[i] == '"':
            # quoted field, "" inside is a quote
            i += 1
            value = []
            while True:
                j = line.index('"', i)
                value.append(line[i:j])
                if j + 1 < n and line[j + 1] == '"':
                    value.append('"')
                    i = j + 2
                else:
                    i = j + 1
                    break
            fields.append("".join(value))
        else:
            j = line.find(",", i)
            raw = line[i:] if j < 0 else line[i:j]
            fields.append(raw if raw != "" else None)
            i = n if j < 0 else j
        if i >= n:
            break
        assert line[i] == ",", f"bad CSV line: {line!r}"
        i += 1
        if i == n:
            fields.append(None)
            break
    return fields


def load_dir(conn, csv_dir: Path, schema: str = "BRONZE") -> dict[str, int]:
    """Appends every <table>.csv of csv_dir to schema.<table>; returns rows loaded per table."""
    cur = conn.cursor()
    loaded: dict[str, int] = {}
    for table in BRONZE_TABLES:
        path = csv_dir / f"{table}.csv"
        if not path.exists():
            continue
        header, rows = read_csv(path)
        names = [name for name, _ in columns(table)]
        assert header == names, f"{path}: header {header} is not the contract's {names}"
        if rows:
            placeholders = ", ".join(["%s"] * len(names))
            # values as text: Snowflake casts them to the column types (timestamps with offsets,
            # 'true'/'false', numbers), exactly as a COPY of the CSV would.
            cur.executemany(f"insert into {schema}.{table} ({', '.join(names)}) values ({placeholders})", rows)
        loaded[table] = len(rows)
    cur.close()
    return loaded


def main(argv: list[str]) -> int:
    import fakesnow
    import snowflake.connector

    db_path, *dirs = argv
    with fakesnow.patch(db_path=db_path):
        conn = snowflake.connector.connect(account="medallion-test", user="loader", database="GREENERY")
        create_bronze(conn)
        for d in dirs:
            print(d, load_dir(conn, Path(d)))
        conn.close()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
