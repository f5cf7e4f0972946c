#!/usr/bin/env python3
"""A local Snowflake-protocol peer for integration tests: fakesnow (Snowflake on DuckDB) behind a
thin ASGI wrapper that makes it usable from Node's snowflake-sdk.

    python test/snowflake/server.py --port 0 [--data-dir DIR]

prints `LISTENING <port>` on stdout once it accepts connections on 127.0.0.1.

The wrapper reuses fakesnow's own server module (fakesnow.server: login, sessions, query execution,
the presigned-url bucket upload); it only rewrites requests before and responses after it:

- results: fakesnow answers queries in Arrow, which the Node driver cannot read; they are re-encoded
  here as Snowflake's JSON rowset (all values strings; DATE = days since epoch; TIME/TIMESTAMP_NTZ/LTZ =
  "<epoch seconds>.<fraction>"; TIMESTAMP_TZ = "<epoch seconds>.<fraction> <offset minutes + 1440>";
  BOOLEAN = "1"/"0"; BINARY = hex), with `returned`/`total` set.
- NULL binds (any type with value null) are sent to fakesnow as TEXT nulls.
- `PUT file://path @stage` with an unquoted path is quoted, and the stage location handed to the driver
  is LOCAL_FS (the stage directory on this machine; the driver copies the file there itself) instead of
  fakesnow's GCS presigned url, which the Node driver cannot use.
- a bare `COPY INTO T ...` (no FROM) gets `FROM @%T` added, as Snowflake defaults to the table stage.
- COPY INTO ... FILES = ('a.csv.gz', ...) from an internal stage works (fakesnow's file-name
  resolution is patched for stage directories).
- `REMOVE @stage[/path] [PATTERN = '...']` is implemented here (fakesnow has no REMOVE).
- statements of one session run one at a time (an asyncio lock per session token).
- a BEGIN while the session's transaction is open succeeds and changes nothing, as in Snowflake (which
  keeps the open transaction; DuckDB would fail and abort it). A loader that reuses a session whose
  transaction state it lost track of meets what it would meet in Snowflake.
- server-side exceptions become `{"success": false, "code", "message", "data": {"sqlState"}}` replies
  (HTTP 200) instead of HTTP 500s, which the driver would retry for minutes.
- `POST /queries/v1/abort-request` interrupts the DuckDB statement running for that requestId; the
  cancelled statement fails with code 000604 / SQLSTATE 57014 like Snowflake's.
- login answers CLIENT_STAGE_ARRAY_BINDING_THRESHOLD = 2^31-1 (fakesnow sends 0, which makes the Node
  driver upload every array bind to a temporary stage), so array binds are always sent inline.
- telemetry posts are accepted and dropped.

Known differences from the real service (beyond what fakesnow itself documents):
- TIMESTAMP_TZ values come back in UTC (offset +00:00): DuckDB's TIMESTAMPTZ keeps the instant but not
  the original offset.
- a failed statement inside an explicit transaction aborts the whole DuckDB transaction (only ROLLBACK
  works afterwards); in Snowflake the transaction stays usable.
- COPY INTO ... PURGE = TRUE deletes the staged file as soon as it is loaded, even if the surrounding
  transaction is later rolled back. ON_ERROR supports only ABORT_STATEMENT (fakesnow).
- INFORMATION_SCHEMA.TABLES: ROW_COUNT is DuckDB's estimated_size (exact for committed inserts), BYTES
  is always 0 and LAST_ALTERED is the epoch (fakesnow).
- all sessions share one in-memory DuckDB database (unless --data-dir is given, then DuckDB files
  per database live there); the server is single-process and meant for one test run.
- PUT: the driver copies the file into the stage directory itself (LOCAL_FS), so OVERWRITE = FALSE is
  not honoured (a same-named file is replaced). AUTO_COMPRESS = TRUE (the default) gzips a plain file
  to NAME.gz, as Snowflake does. Table stages of quoted lower-case tables (@%"t") are not supported.
- TIMESTAMP_LTZ columns are DuckDB TIMESTAMPTZ and come back typed timestamp_tz; ARRAY literals and
  some functions are not supported by fakesnow (reply code 002000, SQLSTATE 0A000).
- SHOW ... created_on and INFORMATION_SCHEMA timestamps are the epoch.
- the whole result is inlined in the first response (no result chunks, no result-scan by query id),
  and no query runs asynchronously (asyncExec answers only once the statement has finished).
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import contextvars
import datetime
import decimal
import gzip
import json
import logging
import math
import os
import re
import shutil
import signal
import socket
import sys
import tempfile
from typing import Any
from urllib.parse import unquote, urlsplit


def _parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, default=0, help="port on 127.0.0.1; 0 picks a free one")
    parser.add_argument("--data-dir", default=None, help="directory for on-disk state (stages, databases)")
    parser.add_argument("--log-level", default="warning")
    return parser.parse_args()


# fakesnow keeps internal stages under a temp dir chosen at import time (tempfile.mkdtemp); point the
# temp root into our own directory before importing it, so that --data-dir holds everything and the
# stages can be cleaned up on exit.
_ARGS = _parse_args() if __name__ == "__main__" else argparse.Namespace(port=0, data_dir=None, log_level="warning")
_OWN_DATA_DIR = _ARGS.data_dir is None
DATA_DIR = os.path.abspath(_ARGS.data_dir or tempfile.mkdtemp(prefix="fakesnow-data-"))
os.makedirs(os.path.join(DATA_DIR, "tmp"), exist_ok=True)
tempfile.tempdir = os.path.join(DATA_DIR, "tmp")

import duckdb  # noqa: E402
import fakesnow.copy_into as fs_copy_into  # noqa: E402
import fakesnow.server as fs_server  # noqa: E402
import pyarrow as pa  # noqa: E402
import snowflake.connector.errors  # noqa: E402
import sqlglot.errors  # noqa: E402
import uvicorn  # noqa: E402
from fakesnow.transforms import stage as fs_stage  # noqa: E402
from starlette.applications import Starlette  # noqa: E402
from starlette.concurrency import run_in_threadpool  # noqa: E402
from starlette.requests import Request  # noqa: E402
from starlette.responses import JSONResponse, Response  # noqa: E402
from starlette.routing import Route  # noqa: E402

if not _OWN_DATA_DIR:
    # persistent databases: one DuckDB file per Snowflake database under --data-dir
    os.makedirs(os.path.join(DATA_DIR, "db"), exist_ok=True)
    fs_server.shared_fs = fs_server.FakeSnow(db_path=os.path.join(DATA_DIR, "db"))

log = logging.getLogger("fakesnow.wrapper")

# fakesnow 0.12.1 rejects COPY INTO ... FILES = (...) from an internal stage ("invalid URL prefix"): its
# _source_urls expects a URL, and internal stages are plain directories. Resolve those names here.
_fakesnow_source_urls = fs_copy_into._source_urls  # noqa: SLF001


def _source_urls(source: str, files: list[str]) -> list[str]:
    if fs_stage.is_internal(source):
        return [os.path.join(source, f) for f in files] or [source]
    return _fakesnow_source_urls(source, files)


fs_copy_into._source_urls = _source_urls  # noqa: SLF001

# fakesnow 0.12.1 selects `column0, column1, ...` from read_csv(header = false), but DuckDB pads the
# generated names to the same width once a file has ten columns or more (column00 ... column13): a
# COPY INTO T (c1, ..., c10) FROM @stage failed with "Referenced column column0 not found". Pad them.
_fakesnow_inserts = fs_copy_into._inserts  # noqa: SLF001


def _inserts(*args: Any, **kwargs: Any) -> Any:
    inserts = _fakesnow_inserts(*args, **kwargs)
    for insert in inserts:
        select = insert.expression
        names = [e.name for e in select.expressions]
        if len(names) >= 10 and all(re.fullmatch(r"column\d+", n) for n in names):
            width = len(str(len(names) - 1))
            for e in select.expressions:
                e.this.set("this", f"column{int(e.name[6:]):0{width}d}")
    return inserts


fs_copy_into._inserts = _inserts  # noqa: SLF001

# ---------------------------------------------------------------------------------------------------
# per-session serialisation and cancellation bookkeeping

_session_locks: dict[str, asyncio.Lock] = {}
# session tokens whose explicit transaction is open (BEGIN done, no COMMIT/ROLLBACK yet)
_open_transactions: set[str] = set()
_BEGIN = re.compile(r"^\s*(?:BEGIN|START)(?:\s+(?:TRANSACTION|WORK))?\s*;?\s*$", re.IGNORECASE)
_END = re.compile(r"^\s*(?:COMMIT|ROLLBACK)(?:\s+WORK)?\s*;?\s*$", re.IGNORECASE)
# requestId -> DuckDB connection of the statement running for it
_running: dict[str, Any] = {}
_cancelled: set[str] = set()

# the exception fakesnow logged while handling the current request (it answers HTTP 500 with a generic
# message); a context var, as the logging call happens inside the request's task
_last_exc: contextvars.ContextVar[dict[str, BaseException] | None] = contextvars.ContextVar("_last_exc", default=None)


class _ExcCapture(logging.Filter):
    # a filter, not a handler: fakesnow.server shares uvicorn's handler list, which uvicorn's dictConfig resets
    def filter(self, record: logging.LogRecord) -> bool:
        holder = _last_exc.get()
        if holder is not None and record.exc_info and record.exc_info[1] is not None:
            holder["exc"] = record.exc_info[1]
        return True


logging.getLogger("fakesnow.server").addFilter(_ExcCapture())


def _token(request: Request) -> str | None:
    auth = request.headers.get("Authorization")
    return auth[17:-1] if auth else None


# ---------------------------------------------------------------------------------------------------
# SQL rewrites

_PUT_UNQUOTED = re.compile(r"^(\s*PUT\s+)(file://\S+)", re.IGNORECASE)
_COPY_BARE = re.compile(
    r"""^(\s*COPY\s+INTO\s+)((?:"[^"]+"|[A-Za-z_][\w$]*)(?:\s*\.\s*(?:"[^"]+"|[A-Za-z_][\w$]*)){0,2})(?=\s|;|$)(.*)$""",
    re.IGNORECASE | re.DOTALL,
)
_REMOVE = re.compile(
    r"""^\s*(?:REMOVE|RM)\s+('(?:[^']|'')*'|\S+)(?:\s+PATTERN\s*=\s*'((?:[^']|'')*)')?\s*;?\s*$""",
    re.IGNORECASE | re.DOTALL,
)


def _split_ident(name: str) -> list[str]:
    return [p.strip() for p in re.findall(r'"[^"]+"|[^.\s]+', name)]


def _table_stage_for(table: str) -> str:
    parts = _split_ident(table)
    last = parts[-1]
    # fakesnow strips the quotes of a quoted part and upper-cases an unquoted one
    stage_part = f'"%{last[1:-1]}"' if last.startswith('"') else f"%{last}"
    return "@" + ".".join([*parts[:-1], stage_part])


def rewrite_sql(sql: str) -> str:
    if m := _PUT_UNQUOTED.match(sql):
        sql = f"{m.group(1)}'{m.group(2)}'{sql[m.end():]}"
    if (m := _COPY_BARE.match(sql)) and not re.match(r"\s*\(|\s*FROM\b", m.group(3), re.IGNORECASE):
        sql = f"{m.group(1)}{m.group(2)} FROM {_table_stage_for(m.group(2))}{m.group(3)}"
    return sql


def rewrite_bindings(bindings: dict[str, Any] | None) -> dict[str, Any] | None:
    """fakesnow converts binds by type (int(value) for FIXED, ...), which fails for null: send those as TEXT."""
    if not bindings:
        return bindings
    out = {}
    for key, b in bindings.items():
        value = b.get("value")
        if value is None or (isinstance(value, list) and any(v is None for v in value)):
            b = {**b, "type": "TEXT"}
        out[key] = b
    return out


# ---------------------------------------------------------------------------------------------------
# Arrow -> Snowflake JSON rowset

_EPOCH_DATE = datetime.date(1970, 1, 1)


def _frac(epoch: int, nanos: int, scale: int) -> str:
    if scale <= 0:
        return str(epoch)
    return f"{epoch}.{nanos:09d}"[: len(str(epoch)) + 1 + min(scale, 9)]


def _fixed(v: Any) -> str:
    if isinstance(v, decimal.Decimal):
        return format(v, "f")
    if isinstance(v, float):
        return str(int(v)) if v.is_integer() else repr(v)
    return str(v)


def _real(v: Any) -> str:
    v = float(v)
    if math.isnan(v):
        return "NaN"
    if math.isinf(v):
        return "Infinity" if v > 0 else "-Infinity"
    return repr(v)


def _cell(v: Any, col: dict[str, Any]) -> str | None:
    if v is None:
        return None
    t = col.get("type")
    scale = col.get("scale")
    scale = 9 if scale is None else scale
    if t == "fixed":
        return _fixed(v)
    if t == "real":
        return _real(v)
    if t == "boolean":
        return "1" if v else "0"
    if t == "date":
        return str((v - _EPOCH_DATE).days)
    if t == "time":
        if isinstance(v, datetime.time):
            ns = ((v.hour * 60 + v.minute) * 60 + v.second) * 1_000_000_000 + v.microsecond * 1000
        else:
            ns = int(v)
        return _frac(ns // 1_000_000_000, ns % 1_000_000_000, scale)
    if t in ("timestamp_ntz", "timestamp_ltz", "timestamp_tz"):
        if isinstance(v, dict):
            # fakesnow builds the struct without a validity mask: a NULL timestamp has NULL fields
            if v.get("epoch") is None:
                return None
            epoch, nanos, tz = int(v["epoch"]), int(v["fraction"]), v.get("timezone", 1440)
        else:  # a plain datetime, should the struct encoding ever be skipped
            dt = v if v.tzinfo else v.replace(tzinfo=datetime.UTC)
            epoch = math.floor(dt.timestamp())
            nanos = dt.microsecond * 1000
            tz = 1440 + int((dt.utcoffset() or datetime.timedelta()).total_seconds() // 60)
        s = _frac(epoch, nanos, scale)
        return f"{s} {tz}" if t == "timestamp_tz" else s
    if t == "binary":
        return bytes(v).hex().upper()
    if t in ("variant", "object", "array", "map"):
        return v if isinstance(v, str) else json.dumps(v, default=str)
    if isinstance(v, bytes):
        return v.decode("utf-8", "replace")
    return str(v)


def arrow_to_rowset(b64: str, rowtype: list[dict[str, Any]]) -> list[list[str | None]]:
    if not b64:
        return []
    table = pa.ipc.open_stream(base64.b64decode(b64)).read_all()
    columns = [c.to_pylist() for c in table.columns]
    return [[_cell(v, rowtype[i]) for i, v in enumerate(row)] for row in zip(*columns, strict=True)]


# ---------------------------------------------------------------------------------------------------
# error replies

_DUCK_ERRORS: list[tuple[type[BaseException], str, str, str]] = [
    (duckdb.InterruptException, "000604", "57014", "SQL execution canceled"),
    (duckdb.ParserException, "001003", "42000", "SQL compilation error:\n"),
    (duckdb.BinderException, "000904", "42000", "SQL compilation error:\n"),
    (duckdb.CatalogException, "002003", "42S02", "SQL compilation error:\n"),
    (duckdb.ConstraintException, "100072", "22000", ""),
    (duckdb.ConversionException, "100038", "22018", ""),
    (duckdb.TransactionException, "000603", "25000", ""),
    (duckdb.IOException, "091016", "22000", "Remote file not found or unreadable: "),
    (sqlglot.errors.ParseError, "001003", "42000", "SQL compilation error:\n"),
    (NotImplementedError, "002000", "0A000", "Unsupported feature (fakesnow): "),
]


def error_reply(code: str, sql_state: str, message: str, query_id: str | None = None) -> JSONResponse:
    return JSONResponse(
        {
            "data": {"errorCode": code, "sqlState": sql_state, "queryId": query_id, "internalError": False},
            "code": code,
            "message": message,
            "success": False,
            "headers": None,
        }
    )


def exception_reply(e: BaseException | None, fallback: str, request_id: str | None) -> JSONResponse:
    if request_id and request_id in _cancelled:
        return error_reply("000604", "57014", "SQL execution canceled")
    if e is not None:
        for cls, code, state, prefix in _DUCK_ERRORS:
            if isinstance(e, cls):
                text = "SQL execution canceled" if code == "000604" else f"{prefix}{e}"
                return error_reply(code, state, text)
        return error_reply("000603", "XX000", f"Internal error (fakesnow): {type(e).__name__}: {e}")
    return error_reply("000603", "XX000", fallback)


# ---------------------------------------------------------------------------------------------------
# REMOVE


def _remove(conn: Any, location: str, pattern: str | None) -> list[list[str]]:
    if location.startswith("'"):
        location = location[1:-1].replace("''", "'")
    if not location.startswith("@"):
        raise snowflake.connector.errors.ProgrammingError(
            msg="SQL compilation error:\nsyntax error in REMOVE stage reference.", errno=1003, sqlstate="42000"
        )
    var, _, path = location[1:].partition("/")
    catalog, schema, name = fs_stage.parts_from_var(var, conn.database, conn.schema)
    found = conn._duck_conn.execute(  # noqa: SLF001
        fs_stage.stage_lookup_sql(catalog, schema, name, conn.table_stages)
    ).fetchone()
    if not found:
        raise fs_stage.not_found_error(f"{catalog}.{schema}.{name}")
    root = fs_stage.internal_dir(found[0])
    prefix = os.path.join(root, path) if path else root
    regex = re.compile(pattern) if pattern else None
    removed = []
    for dirpath, _dirs, files in os.walk(root):
        for f in files:
            full = os.path.join(dirpath, f)
            if not full.startswith(prefix):
                continue
            shown = fs_stage.internal_file_name(full)
            if regex and not regex.fullmatch(shown):
                continue
            os.remove(full)
            removed.append([shown, "removed"])
    return removed


def _statement_ok_reply(conn: Any) -> JSONResponse:
    return JSONResponse(
        {
            "data": {
                "parameters": [{"name": "TIMEZONE", "value": "Etc/UTC"}],
                "rowtype": [_text_col("status")],
                "rowset": [["Statement executed successfully."]],
                "total": 1,
                "returned": 1,
                "queryResultFormat": "json",
                "queryId": os.urandom(16).hex(),
                "statementTypeId": 0x5000,
                "finalDatabaseName": conn.database,
                "finalSchemaName": conn.schema,
            },
            "success": True,
        }
    )


def _text_col(name: str) -> dict[str, Any]:
    return {
        "name": name, "database": "", "schema": "", "table": "", "nullable": True, "type": "text",
        "byteLength": 16777216, "length": 16777216, "scale": None, "precision": None, "collation": None,
    }


async def _remove_reply(conn: Any, m: re.Match[str]) -> JSONResponse:
    pattern = m.group(2).replace("''", "'") if m.group(2) is not None else None
    rows = await run_in_threadpool(_remove, conn, m.group(1), pattern)
    return JSONResponse(
        {
            "data": {
                "parameters": [{"name": "TIMEZONE", "value": "Etc/UTC"}],
                "rowtype": [_text_col("name"), _text_col("result")],
                "rowset": rows,
                "total": len(rows),
                "returned": len(rows),
                "queryResultFormat": "json",
                "queryId": os.urandom(16).hex(),
                "statementTypeId": 0x7000,
                "finalDatabaseName": conn.database,
                "finalSchemaName": conn.schema,
            },
            "success": True,
        }
    )


# ---------------------------------------------------------------------------------------------------
# routes


def _forwarded_request(request: Request, body: bytes) -> Request:
    headers = [(k, v) for k, v in request.scope["headers"] if k.lower() not in (b"content-encoding", b"content-length")]
    headers.append((b"content-length", str(len(body)).encode()))
    scope = {**request.scope, "headers": headers}
    sent = False

    async def receive() -> dict[str, Any]:
        nonlocal sent
        if sent:
            return {"type": "http.disconnect"}
        sent = True
        return {"type": "http.request", "body": body, "more_body": False}

    return Request(scope, receive)


async def query_request(request: Request) -> Response:
    token = _token(request)
    conn = fs_server.sessions.get(token) if token else None
    if conn is None:
        # let fakesnow produce its 401 replies
        return await fs_server.query_request(request)

    raw = await request.body()
    if request.headers.get("Content-Encoding") == "gzip":
        raw = gzip.decompress(raw)
    body = json.loads(raw)
    sql = body.get("sqlText") or ""
    request_id = request.query_params.get("requestId")

    lock = _session_locks.setdefault(token, asyncio.Lock())
    async with lock:
        if request_id:
            _running[request_id] = conn._duck_conn  # noqa: SLF001
        holder: dict[str, BaseException] = {}
        _last_exc.set(holder)
        try:
            if m := _REMOVE.match(sql):
                return await _remove_reply(conn, m)
            if _BEGIN.match(sql) and token in _open_transactions:
                return _statement_ok_reply(conn)
            if _BEGIN.match(sql):
                _open_transactions.add(token)
            elif _END.match(sql):
                _open_transactions.discard(token)
            body["sqlText"] = rewrite_sql(sql)
            body["bindings"] = rewrite_bindings(body.get("bindings"))
            response = await fs_server.query_request(_forwarded_request(request, json.dumps(body).encode()))
        except snowflake.connector.errors.Error as e:
            return error_reply(f"{e.errno:06d}", e.sqlstate or "42000", e.msg or str(e))
        except Exception as e:  # noqa: BLE001
            log.exception("wrapper error for %r", sql)
            return exception_reply(e, str(e), request_id)
        finally:
            if request_id:
                _running.pop(request_id, None)
        try:
            return to_json_reply(response, holder.get("exc"), request_id)
        except Exception as e:  # noqa: BLE001
            log.exception("could not encode the reply to %r", sql)
            return exception_reply(e, str(e), request_id)
        finally:
            if request_id:
                _cancelled.discard(request_id)


def to_json_reply(response: Response, exc: BaseException | None, request_id: str | None) -> Response:
    payload = json.loads(bytes(response.body))
    if response.status_code >= 500:
        return exception_reply(exc, payload.get("message") or "Internal error", request_id)
    if response.status_code != 200 or not payload.get("success"):
        return response
    data = payload.get("data") or {}
    if isinstance(info := data.get("stageInfo"), dict) and info.get("locationType") == "GCS":
        data["stageInfo"] = local_stage_info(info)
    if data.get("queryResultFormat") == "arrow":
        data["rowset"] = arrow_to_rowset(data.pop("rowsetBase64", ""), data.get("rowtype") or [])
        data["queryResultFormat"] = "json"
    if "rowset" in data:
        data["returned"] = len(data["rowset"])
        if not data.get("total"):
            data["total"] = len(data["rowset"])
    return JSONResponse(payload)


def local_stage_info(info: dict[str, Any]) -> dict[str, Any]:
    """fakesnow hands PUT a GCS-style presigned url to its own /fs_bucket route; the Node driver's GCS
    client cannot use it (it needs a region and endpoint), so point the driver at the stage directory
    itself (LOCAL_FS), which works as the driver and this server share the file system."""
    path = unquote(urlsplit(info["presignedUrl"]).path.split("/fs_bucket/", 1)[1])
    target = os.path.normpath(os.path.join(fs_stage.LOCAL_BUCKET_PATH, path))
    return {"locationType": "LOCAL_FS", "location": os.path.dirname(target) + os.sep, "creds": {}}


async def abort_request(request: Request) -> JSONResponse:
    raw = await request.body()
    if request.headers.get("Content-Encoding") == "gzip":
        raw = gzip.decompress(raw)
    try:
        request_id = (json.loads(raw) if raw else {}).get("requestId")
    except ValueError:
        request_id = None
    duck = _running.get(request_id) if request_id else None
    if duck is not None:
        _cancelled.add(request_id)
        duck.interrupt()
    return JSONResponse({"data": None, "code": None, "message": None, "success": True})


async def login_request(request: Request) -> Response:
    """fakesnow's login, with CLIENT_STAGE_ARRAY_BINDING_THRESHOLD raised: fakesnow sends 0, which the
    Python connector reads as "never stage" but the Node driver as "always stage" array binds (via a
    temporary stage and PUT, which this emulator does not support)."""
    response = await fs_server.login_request(request)
    payload = json.loads(bytes(response.body))
    for p in (payload.get("data") or {}).get("parameters") or []:
        if p.get("name") == "CLIENT_STAGE_ARRAY_BINDING_THRESHOLD":
            p["value"] = ARRAY_BINDING_THRESHOLD
    return JSONResponse(payload, status_code=response.status_code)


async def ok(_request: Request) -> JSONResponse:
    return JSONResponse({"data": None, "code": None, "message": None, "success": True})


ARRAY_BINDING_THRESHOLD = 2**31 - 1

_overridden = {"/session/v1/login-request", "/queries/v1/query-request", "/queries/v1/abort-request"}
routes = [
    Route("/session/v1/login-request", login_request, methods=["POST"]),
    Route("/queries/v1/query-request", query_request, methods=["POST"]),
    Route("/queries/v1/abort-request", abort_request, methods=["POST"]),
    Route("/queries/{qid}/abort-request", abort_request, methods=["POST"]),
    Route("/telemetry/send", ok, methods=["POST"]),
    *[r for r in fs_server.routes if getattr(r, "path", None) not in _overridden],
]

app = Starlette(routes=routes)


# ---------------------------------------------------------------------------------------------------
# main


async def _serve(port: int, log_level: str) -> None:
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", port))
    sock.listen(128)
    sock.set_inheritable(True)
    actual = sock.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(app, log_level=log_level, access_log=False, lifespan="off"))
    task = asyncio.create_task(server.serve(sockets=[sock]))
    while not server.started and not task.done():
        await asyncio.sleep(0.02)
    if server.started:
        print(f"LISTENING {actual}", flush=True)
    await task


def main() -> None:
    logging.basicConfig(level=_ARGS.log_level.upper(), stream=sys.stderr, format="%(levelname)s %(name)s: %(message)s")
    logging.getLogger("fakesnow.server").setLevel(_ARGS.log_level.upper())
    # uvicorn shuts down gracefully on SIGTERM/SIGINT and then re-raises the signal with the previous
    # handler in place: make that an exit that still runs the clean-up below
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    try:
        asyncio.run(_serve(_ARGS.port, _ARGS.log_level.lower()))
    except KeyboardInterrupt:
        pass
    finally:
        shutil.rmtree(os.path.join(DATA_DIR, "tmp"), ignore_errors=True)
        if _OWN_DATA_DIR:
            shutil.rmtree(DATA_DIR, ignore_errors=True)


if __name__ == "__main__":
    main()
