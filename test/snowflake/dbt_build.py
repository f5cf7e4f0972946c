"""Runs dbt-sample's `snowflake` target with real dbt-snowflake against fakesnow (Snowflake on DuckDB).

Everything happens in this one process, inside fakesnow.patch(db_path=DATA_DIR): fakesnow
replaces snowflake.connector.connect, so dbt-snowflake talks to DuckDB files in DATA_DIR
(one per database, here GREENERY.db). Used by test/snowflake/dbt.test.ts.

    python dbt_build.py DATA_DIR STEP [STEP...]

Steps, run in order:
    load:<dir>        create BRONZE (if needed) and append the fixture CSVs of <dir>
    build             dbt build --target snowflake
    build:full        dbt build --target snowflake --full-refresh
    save:<name>       remember every row of every silver and gold relation under <name>
    compare:<a>,<b>   the relations whose rows (as multisets) differ between two saves
    figures           read key silver, gold and snapshot figures back

Prints one JSON object per step on stdout, prefixed with `STEP ` (dbt's own log goes to
stderr). Exit code 0 when every step ran (the JSON says whether dbt succeeded). DATA_DIR
keeps the database between runs, so batches can be loaded and built over several runs.
"""

from __future__ import annotations

import contextlib
import datetime
import decimal
import json
import os
import re
import sys
from collections import Counter
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent.parent
PROJECT = ROOT / "dbt-sample"
sys.path.insert(0, str(HERE))

import fakesnow  # noqa: E402
import snowflake.connector  # noqa: E402
from fakesnow.cursor import FakeSnowflakeCursor  # noqa: E402

from load_bronze import create_bronze, load_dir  # noqa: E402

DATABASE = "GREENERY"
ENV = {
    "SNOWFLAKE_ACCOUNT": "medallion-test",
    "SNOWFLAKE_USER": "dbt",
    "SNOWFLAKE_PASSWORD": "x",
    "SNOWFLAKE_DATABASE": DATABASE,
    "SNOWFLAKE_WAREHOUSE": "wh",
    "SNOWFLAKE_SCHEMA": "public",
}

# --- fakesnow limitations, worked around here (never in dbt-sample) --------------------------
# 1. DuckDB keeps temporary tables in its own `temp` catalog and rejects a database-qualified
#    `create temporary table GREENERY.silver.x` ("TEMPORARY table names can *only* use the
#    "temp" catalog"; dbt-snowflake's unit tests and snapshot staging tables). Create an ordinary
#    table instead; dbt drops or replaces it itself.
_TEMPORARY = re.compile(r"^(\s*create\s+(?:or\s+replace\s+)?)(?:local\s+|global\s+)?temp(?:orary)?\s+(table|view)\b", re.I)

# 2. fakesnow drops the format of to_varchar(<timestamp_tz>, '<format>') (sqlglot: "Argument
#    'format' is not supported for expression 'ToChar' when targeting DuckDB"), so
#    snowflake__timestamp_tz_to_text yields DuckDB's text ('2021-04-01 03:10:00+00'), which
#    to_timestamp_tz(<text>, 'YYYY-MM-DD HH24:MI:SS.FF9 TZH:TZM') (snowflake__timestamp_tz_literal)
#    then cannot parse. Read such a literal with a plain cast: it takes both forms.
_TZ_LITERAL = re.compile(r"to_timestamp_tz\('([^']*)', 'YYYY-MM-DD HH24:MI:SS\.FF9 TZH:TZM'\)", re.I)

# 3. fakesnow's MERGE binds an unqualified column of `when not matched then insert (...) values
#    (...)` against both tables ("Ambiguous reference to column name"); Snowflake reads it from
#    the source. dbt's snapshot merge writes exactly that: qualify those values with the source.
_MERGE_INSERT_VALUES = re.compile(r"(then\s+insert\s*\([^)]*\)\s*values\s*\()([^)]*)\)", re.I)


def _qualify_values(match: re.Match) -> str:
    values = [v.strip() for v in match.group(2).split(",")]
    return match.group(1) + ", ".join(v if "." in v else f"DBT_INTERNAL_SOURCE.{v}" for v in values) + ")"


# 4. fakesnow runs MERGE through a temporary table, and DuckDB then refuses it inside an
#    explicit transaction ("Attempting to write to database "_fs_global" in a transaction that
#    has already modified database ..."): dbt's snapshots run `begin; merge ...; commit`. Make a
#    lone BEGIN a no-op (fakesnow's nop_regexes), so each statement commits by itself; a COMMIT
#    without a transaction is fine for fakesnow, as for Snowflake.
NOP_REGEXES = [r"^\s*begin(\s+(work|transaction))?\s*;?\s*(/\*.*\*/\s*)?;?\s*$"]  # dbt appends /* query comment */

_original_execute = FakeSnowflakeCursor.execute


def _execute(self, command, *args, **kwargs):  # noqa: ANN001, ANN002, ANN003, ANN202
    if isinstance(command, str):
        command = _TEMPORARY.sub(r"\1\2", command, count=1)
        command = _TZ_LITERAL.sub(r"cast('\1' as timestamp_tz)", command)
        if re.search(r"\bmerge\s+into\b", command, re.I) and "DBT_INTERNAL_SOURCE" in command:
            command = _MERGE_INSERT_VALUES.sub(_qualify_values, command)
    return _original_execute(self, command, *args, **kwargs)


FakeSnowflakeCursor.execute = _execute  # type: ignore[method-assign]

# 5. fakesnow wraps the argument of every sum/avg/median in try_cast(... as double), so that
#    sum(<varchar>) works as in Snowflake. That turns Snowflake's exact number(38, s) sums of
#    money into floats. dbt-sample never aggregates text: keep DuckDB's exact decimal sums.
import fakesnow.transforms as _fs_transforms  # noqa: E402

_fs_transforms.numeric_agg_implicit_cast = lambda expression: expression

# ---------------------------------------------------------------------------------------------

LAYERS = ("SILVER", "GOLD")


def jsonable(value):  # noqa: ANN001, ANN201
    if isinstance(value, decimal.Decimal):
        return float(value)
    if isinstance(value, (datetime.datetime, datetime.date, datetime.time)):
        return value.isoformat()
    return value


def normalized(value):  # noqa: ANN001, ANN201
    """A value comparable between two builds (floats from different summation orders)."""
    if isinstance(value, float):
        return round(value, 9)
    if isinstance(value, decimal.Decimal):
        return decimal.Decimal(value).normalize()
    return value


def query(conn, sql: str) -> list[dict]:
    cur = conn.cursor(snowflake.connector.DictCursor)
    try:
        cur.execute(sql)
        return [{k.lower(): jsonable(v) for k, v in row.items()} for row in cur.fetchall()]
    finally:
        cur.close()


def relations(conn) -> list[tuple[str, str, str]]:
    """Tables and views of silver and gold (fakesnow's information_schema.tables has no views)."""
    layers = ", ".join(repr(s) for s in LAYERS)
    rows = query(
        conn,
        f"select table_schema, table_name, 'TABLE' as kind from {DATABASE}.information_schema.tables"
        f" where table_schema in ({layers})"
        f" union all select table_schema, table_name, 'VIEW' from {DATABASE}.information_schema.views"
        f" where table_schema in ({layers}) order by 1, 2",
    )
    return [(r["table_schema"], r["table_name"], r["kind"]) for r in rows]


def snapshot_relations(conn) -> dict[str, Counter]:
    saved: dict[str, Counter] = {}
    for schema, name, _ in relations(conn):
        if name.endswith("__DBT_TMP"):
            continue
        cur = conn.cursor()
        cur.execute(f"select * from {DATABASE}.{schema}.{name}")
        saved[f"{schema}.{name}"] = Counter(tuple(normalized(v) for v in row) for row in cur.fetchall())
        cur.close()
    return saved


def figures(conn) -> dict:
    gold = f"{DATABASE}.GOLD"
    return {
        "relations": [f"{s}.{n}:{t}" for s, n, t in relations(conn)],
        "counts": {
            name: query(conn, f"select count(*) as n from {DATABASE}.{name}")[0]["n"]
            for name in (
                "SILVER.STG_USERS",
                "SILVER.STG_ADDRESSES",
                "SILVER.STG_ORDERS",
                "SILVER.STG_ORDER_ITEMS",
                "SILVER.STG_EVENTS",
                "SILVER.STG_PRODUCTS",
                "SILVER.STG_PROMOS",
                "GOLD.FCT_ORDERS",
                "GOLD.FCT_ORDERS_PRODUCTS",
                "GOLD.USER_SESSION",
                "GOLD.PRODUCTS_BUDGET_VS_SALES",
                "SNAPSHOTS.USERS_SNAPSHOT",
                "SNAPSHOTS.ADDRESSES_SNAPSHOT",
            )
        },
        "orders": query(
            conn,
f"select * from {gold}.fct_orders order by ordered_at_utc",
        ),
        "product_sales": query(
            conn,
f"select * from {gold}.product_sales",
        ),
        "budget_vs_sales": query(conn, f"select * from {gold}.products_budget_vs_sales"),
        "user_purchases": query(conn, f"select * from {gold}.user_purchases"),
        "user_web_analytics": query(conn, f"select * from {gold}.user_web_analytics"),
        "user_session": query(
            conn, f"select count(*) as sessions, sum(total_events) as events from {gold}.user_session"
        )[0],
        "sessions": query(conn, f"select * from {gold}.user_session"),
        "dim_users": query(conn, f"select * from {gold}.dim_users"),
        "order_lines": query(conn, f"select order_id, product_id, unit_price_usd, line_amount_usd from {gold}.fct_orders_products"),
    }


def run_dbt(args: list[str], work: Path) -> dict:
    from dbt.cli.main import dbtRunner

    argv = [
        "build",
        "--project-dir", str(PROJECT),
        "--profiles-dir", str(PROJECT),
        "--target", "snowflake",
        "--target-path", str(work / "target"),
        "--log-path", str(work / "logs"),
        *args,
    ]  # fmt: skip
    with contextlib.redirect_stdout(sys.stderr):
        result = dbtRunner().invoke(argv)
    nodes = []
    if result.result is not None and hasattr(result.result, "results"):
        for r in result.result.results:
            nodes.append({"node": r.node.unique_id, "status": str(r.status), "message": r.message})
    failed = [n for n in nodes if n["status"] not in ("success", "pass")]
    return {
        "success": bool(result.success),
        "exception": str(result.exception) if result.exception else None,
        "nodes": len(nodes),
        "failed": failed,
    }


def main(argv: list[str]) -> int:
    data_dir, *steps = argv
    data = Path(data_dir)
    data.mkdir(parents=True, exist_ok=True)
    os.environ.update(ENV)
    os.chdir(PROJECT)
    saved: dict[str, dict[str, Counter]] = {}
    with fakesnow.patch(db_path=str(data), nop_regexes=NOP_REGEXES):
        # One connection first: it attaches GREENERY.db to fakesnow's shared DuckDB instance and
        # creates the profile's schema PUBLIC. fakesnow does both on connect with a check-then-act
        # race, and dbt's 4 threads would otherwise connect at once.
        conn = snowflake.connector.connect(
            account="medallion-test", user="runner", database=DATABASE, schema=ENV["SNOWFLAKE_SCHEMA"]
        )
        for step in steps:
            kind, _, arg = step.partition(":")
            out: dict = {"step": step}
            if kind == "load":
                create_bronze(conn)
                out["loaded"] = load_dir(conn, Path(arg))
            elif kind == "build":
                out.update(run_dbt(["--full-refresh"] if arg == "full" else [], data))
            elif kind == "save":
                saved[arg] = snapshot_relations(conn)
                out["relations"] = sorted(saved[arg])
            elif kind == "compare":
                a, b = (saved[name] for name in arg.split(","))
                out["differences"] = {
                    name: {"only_in_first": sum((a.get(name, Counter()) - b.get(name, Counter())).values()),
                           "only_in_second": sum((b.get(name, Counter()) - a.get(name, Counter())).values())}
                    for name in sorted(set(a) | set(b))
                    if a.get(name) != b.get(name)
                }  # fmt: skip
            elif kind == "figures":
                out.update(figures(conn))
            else:
                raise SystemExit(f"unknown step {step!r}")
            print("STEP " + json.dumps(out, default=str), flush=True)
        conn.close()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
