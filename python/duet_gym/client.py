"""A client for ``duet serve``: one server process, JSON-RPC 2.0 requests as JSON lines.

``duet serve`` reads one JSON value per line on its standard input and writes one response line
per request on its standard output (docs/FORMATS.md, "duet serve"). :class:`DuetClient` starts the
server, numbers the requests, matches each response to its request by id, and turns error objects
into :class:`DuetError` exceptions that carry the server's code, message and input issues (file,
key path, value and fix, as the CLI prints them).

    >>> from duet_gym import DuetClient
    >>> with DuetClient() as duet:                       # finds the duet binary, starts `duet serve`
    ...     space = duet.space("Examples/nasaic-two-tasks/config.yaml")
    ...     points = duet.sample("Examples/nasaic-two-tasks/config.yaml", n=4, seed=1)
    ...     results = duet.evaluate_points("Examples/nasaic-two-tasks/config.yaml", points)

The client is synchronous and thread-safe (one request, or one batch, at a time on the pipe).
"""

from __future__ import annotations

import collections
import itertools
import json
import os
import shutil
import subprocess
import threading
import weakref
from pathlib import Path
from typing import Any, Dict, Iterable, List, Mapping, Optional, Sequence, Tuple, Union

__all__ = [
    "DuetClient",
    "DuetError",
    "DuetInputError",
    "DuetEvaluationError",
    "DuetProtocolError",
    "DuetServerError",
    "DuetNotFoundError",
    "find_duet",
    "repository_root",
]

# JSON-RPC 2.0 codes and Duet's own (the protocol of `duet serve`).
PARSE_ERROR = -32700
INVALID_REQUEST = -32600
METHOD_NOT_FOUND = -32601
INVALID_PARAMS = -32602
INPUT_ERROR = -32000
EVALUATION_FAILED = -32001


class DuetError(Exception):
    """An error answered by ``duet serve`` (or a failure to reach it).

    Attributes:
        code: the JSON-RPC error code (-32000 for Duet's input errors, -32001 for a failed
            evaluation, -32700..-32600 for protocol errors); None when the server itself failed.
        message: the server's message.
        data: the error's ``data`` object as sent (``{}`` when absent).
        issues: ``data["issues"]``: a list of dicts with ``file``, ``key``, ``value`` and ``fix``.
    """

    def __init__(self, message: str, code: Optional[int] = None, data: Optional[Mapping[str, Any]] = None):
        self.code = code
        self.message = message
        self.data: Dict[str, Any] = dict(data or {})
        issues = self.data.get("issues")
        self.issues: List[Dict[str, Any]] = list(issues) if isinstance(issues, list) else []
        super().__init__(self._text())

    def _text(self) -> str:
        head = self.message if self.code is None else f"{self.message} (code {self.code})"
        lines = [head]
        for issue in self.issues:
            if not isinstance(issue, Mapping):
                continue
            where = ": ".join(str(issue[k]) for k in ("file", "key") if issue.get(k) not in (None, ""))
            value = f" = {issue['value']!r}" if issue.get("value") is not None else ""
            fix = f" (fix: {issue['fix']})" if issue.get("fix") else ""
            lines.append(f"  {where}{value}{fix}")
        return "\n".join(lines)

    @classmethod
    def from_object(cls, error: Mapping[str, Any]) -> "DuetError":
        """The exception for a JSON-RPC error object, of the subclass its code names."""
        code = error.get("code")
        message = str(error.get("message", "error"))
        data = error.get("data") if isinstance(error.get("data"), Mapping) else {}
        kind = {INPUT_ERROR: DuetInputError, EVALUATION_FAILED: DuetEvaluationError}.get(code)
        if kind is None and isinstance(code, int) and -32768 <= code <= -32600:
            kind = DuetProtocolError
        return (kind or DuetError)(message, code=code, data=data)


class DuetInputError(DuetError):
    """Bad input (code -32000): Duet's InputError, with ``issues`` naming file, key, value and fix."""


class DuetEvaluationError(DuetError):
    """The design could not be evaluated (code -32001), e.g. no accuracy for its network."""


class DuetProtocolError(DuetError):
    """A request the server could not read (-32700 parse error, -32600, -32601, -32602)."""


class DuetServerError(DuetError):
    """The server process failed: it exited, or answered something that is not JSON-RPC."""


class DuetNotFoundError(DuetError, FileNotFoundError):
    """No ``duet`` executable was found."""


def repository_root(start: Optional[Union[str, Path]] = None) -> Optional[Path]:
    """The Duet checkout that holds this package (or ``start``, or the current directory): the
    nearest folder above it with ``Package.swift`` and ``Templates/``; None if there is none."""
    starts = [Path(start)] if start is not None else [Path(__file__).resolve().parent, Path.cwd()]
    for s in starts:
        for d in [s.resolve(), *s.resolve().parents]:
            if (d / "Package.swift").is_file() and (d / "Templates").is_dir():
                return d
    return None


def find_duet(binary: Optional[Union[str, Path]] = None) -> str:
    """The ``duet`` executable to run: ``binary`` if given, else ``$DUET_BIN``, else ``duet`` on
    ``PATH``, else the checkout's ``.build/release/duet`` or ``.build/debug/duet`` (in that order).

    Raises:
        DuetNotFoundError: none of them exists, with the places that were looked at.
    """
    looked: List[str] = []
    for given, what in ((binary, "the binary argument"), (os.environ.get("DUET_BIN") or None, "$DUET_BIN")):
        if given is None:
            continue
        p = Path(given).expanduser()
        if p.is_file() and os.access(p, os.X_OK):
            return str(p.resolve())
        found = shutil.which(str(given)) if os.sep not in str(given) else None
        if found:
            return found
        raise DuetNotFoundError(f"{what} names {str(given)!r}, which is not an executable file",
                                data={"issues": [{"key": what, "value": str(given),
                                                  "fix": "build it with `swift build --product duet` or give the path of an existing duet"}]})
    on_path = shutil.which("duet")
    if on_path:
        return on_path
    looked.append("duet on PATH")
    root = repository_root()
    if root is not None:
        for config in ("release", "debug"):
            p = root / ".build" / config / "duet"
            if p.is_file() and os.access(p, os.X_OK):
                return str(p)
            looked.append(str(p))
    raise DuetNotFoundError("cannot find the duet executable (looked at: " + ", ".join(looked) + ")",
                            data={"issues": [{"key": "DUET_BIN", "value": None,
                                              "fix": "run `swift build --product duet` in the Duet checkout, or set DUET_BIN to the binary"}]})


def _stop(proc: subprocess.Popen, timeout: float) -> Optional[int]:
    """Ends ``proc``: EOF on its input (the server exits 0), then SIGTERM, then SIGKILL."""
    if proc.poll() is not None:
        return proc.returncode
    try:
        if proc.stdin is not None and not proc.stdin.closed:
            proc.stdin.close()
    except OSError:
        pass
    for step in (proc.terminate, proc.kill):
        try:
            return proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            step()
    try:
        return proc.wait(timeout=timeout)
    except subprocess.TimeoutExpired:  # pragma: no cover - a process that survives SIGKILL
        return None


class DuetClient:
    """One ``duet serve`` process and a JSON-lines connection to it.

    Args:
        binary: the ``duet`` executable (see :func:`find_duet` for the search when omitted).
        args: extra arguments after ``duet serve``.
        cwd: the server's working directory (default: the caller's); relative config and study
            paths in requests are read from there, as the CLI would.
        env: the server's environment (default: the caller's).

    Use it as a context manager, or call :meth:`close`; it is also closed when garbage collected
    and when the interpreter exits.
    """

    def __init__(self, binary: Optional[Union[str, Path]] = None, args: Sequence[str] = (),
                 cwd: Optional[Union[str, Path]] = None, env: Optional[Mapping[str, str]] = None,
                 stop_timeout: float = 5.0):
        self.binary = find_duet(binary)
        self._ids = itertools.count(1)
        self._lock = threading.Lock()
        self._waiting: Dict[Any, Dict[str, Any]] = {}
        self._stderr_tail: "collections.deque[str]" = collections.deque(maxlen=40)
        self._proc = subprocess.Popen(
            [self.binary, "serve", *args], stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
            cwd=None if cwd is None else str(cwd), env=None if env is None else dict(env), bufsize=-1)
        self._stdin = self._proc.stdin
        self._stdout = self._proc.stdout
        self._stderr_thread = threading.Thread(target=self._drain_stderr, args=(self._proc.stderr, self._stderr_tail),
                                               name="duet-serve-stderr", daemon=True)
        self._stderr_thread.start()
        self._finalizer = weakref.finalize(self, _stop, self._proc, stop_timeout)
        self._stop_timeout = stop_timeout

    # -- lifecycle ---------------------------------------------------------------------------

    @staticmethod
    def _drain_stderr(stream, tail) -> None:
        for line in iter(stream.readline, b""):
            tail.append(line.decode("utf-8", "replace").rstrip("\n"))
        stream.close()

    @property
    def pid(self) -> int:
        """The server's process id."""
        return self._proc.pid

    @property
    def closed(self) -> bool:
        return not self._finalizer.alive

    @property
    def stderr_tail(self) -> List[str]:
        """The server's last lines on standard error (its logs)."""
        return list(self._stderr_tail)

    def close(self) -> Optional[int]:
        """Stops the server (end of input, then terminate, then kill) and returns its exit status."""
        with self._lock:
            if self._finalizer.alive:
                self._finalizer()
            self._stderr_thread.join(timeout=1)
            try:
                self._stdout.close()
            except OSError:
                pass
            return self._proc.returncode

    def __enter__(self) -> "DuetClient":
        return self

    # A client is a handle on one server process: copies share it (gymnasium.make deep-copies an
    # env's keyword arguments into its spec).
    def __copy__(self) -> "DuetClient":
        return self

    def __deepcopy__(self, memo) -> "DuetClient":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    # -- transport ---------------------------------------------------------------------------

    def _died(self, what: str) -> DuetServerError:
        status = self._proc.poll()
        if status is None:
            try:
                status = self._proc.wait(timeout=1)
            except subprocess.TimeoutExpired:
                status = None
        tail = "\n".join(self.stderr_tail[-10:])
        msg = f"duet serve {what}" + (f" (exit status {status})" if status is not None else "")
        if tail:
            msg += "; its last log lines:\n" + tail
        return DuetServerError(msg)

    def _send(self, payload: Any) -> None:
        if self.closed:
            raise DuetServerError("the client is closed")
        line = json.dumps(payload, separators=(",", ":"), allow_nan=False).encode("utf-8") + b"\n"
        try:
            self._stdin.write(line)
            self._stdin.flush()
        except (BrokenPipeError, OSError, ValueError):
            raise self._died("stopped reading requests") from None

    def _receive(self) -> Any:
        line = self._stdout.readline()
        if not line:
            raise self._died("closed its output")
        try:
            return json.loads(line)
        except ValueError:
            raise DuetServerError(f"duet serve answered a line that is not JSON: {line[:200]!r}") from None

    def _file(self, response: Any) -> None:
        if not isinstance(response, Mapping) or response.get("jsonrpc") != "2.0" or "id" not in response:
            raise DuetServerError(f"duet serve answered something that is not a JSON-RPC 2.0 response: {str(response)[:200]}")
        rid = response["id"]
        if rid is None:
            # A parse error or invalid request the server could not attach to an id.
            raise DuetError.from_object(response.get("error") or {"message": "error without an id"})
        self._waiting[rid] = response

    def _await(self, ids: Iterable[Any]) -> Dict[Any, Dict[str, Any]]:
        wanted = list(ids)
        while any(i not in self._waiting for i in wanted):
            received = self._receive()
            for r in (received if isinstance(received, list) else [received]):
                self._file(r)
        return {i: self._waiting.pop(i) for i in wanted}

    @staticmethod
    def _outcome(response: Mapping[str, Any]) -> Any:
        if "error" in response and response["error"] is not None:
            return DuetError.from_object(response["error"])
        return response.get("result")

    # -- calls -------------------------------------------------------------------------------

    def call(self, method: str, params: Optional[Mapping[str, Any]] = None) -> Any:
        """Sends one request and returns its ``result``; raises :class:`DuetError` (of the
        subclass its code names) for an error response."""
        with self._lock:
            rid = next(self._ids)
            self._send({"jsonrpc": "2.0", "id": rid, "method": method, "params": dict(params or {})})
            outcome = self._outcome(self._await([rid])[rid])
        if isinstance(outcome, DuetError):
            raise outcome
        return outcome

    def notify(self, method: str, params: Optional[Mapping[str, Any]] = None) -> None:
        """Sends a notification (a request without id): the server answers nothing."""
        with self._lock:
            self._send({"jsonrpc": "2.0", "method": method, "params": dict(params or {})})

    def batch(self, calls: Sequence[Tuple[str, Optional[Mapping[str, Any]]]], raise_errors: bool = False) -> List[Any]:
        """Sends ``calls`` — (method, params) pairs — as one JSON-RPC batch (one line) and returns
        their results in the same order. A failed call's place holds its :class:`DuetError`, or
        with ``raise_errors`` the first one is raised."""
        if not calls:
            return []
        with self._lock:
            ids = [next(self._ids) for _ in calls]
            self._send([{"jsonrpc": "2.0", "id": i, "method": m, "params": dict(p or {})} for i, (m, p) in zip(ids, calls)])
            responses = self._await(ids)
        outcomes = [self._outcome(responses[i]) for i in ids]
        if raise_errors:
            for o in outcomes:
                if isinstance(o, DuetError):
                    raise o
        return outcomes

    def send_raw(self, line: Union[str, bytes]) -> Any:
        """Writes one raw line (e.g. malformed JSON, for tests) and returns the decoded answer line."""
        with self._lock:
            data = line.encode("utf-8") if isinstance(line, str) else line
            try:
                self._stdin.write(data.rstrip(b"\n") + b"\n")
                self._stdin.flush()
            except (BrokenPipeError, OSError, ValueError):
                raise self._died("stopped reading requests") from None
            return self._receive()

    # -- methods of the protocol ---------------------------------------------------------------

    def evaluate(self, **params: Any) -> Dict[str, Any]:
        """``evaluate`` with networks + accelerator (or device/table) + ``set`` (+ ``spec``,
        ``objective``): the object ``duet evaluate --format json`` prints."""
        return self.call("evaluate", params)

    def evaluate_point(self, config: Union[str, Path], point: Mapping[str, Any]) -> Dict[str, Any]:
        """One point of an explore config's space: ``objectives``, ``metrics``, ``constraints``
        (each <= 0 when met), ``feasible``, ``violations`` and ``design``."""
        return self.call("evaluate", {"config": str(config), "point": dict(point)})

    def evaluate_points(self, config: Union[str, Path], points: Sequence[Mapping[str, Any]],
                        raise_errors: bool = False) -> List[Union[Dict[str, Any], DuetError]]:
        """Many points in one request (order kept); a point that failed is a :class:`DuetError`
        in its place (or raised, with ``raise_errors``)."""
        result = self.call("evaluate", {"config": str(config), "points": [dict(p) for p in points]})
        out: List[Union[Dict[str, Any], DuetError]] = []
        for r in result.get("results", []):
            if isinstance(r, Mapping) and isinstance(r.get("error"), Mapping) and "metrics" not in r:
                e = DuetError.from_object(r["error"])
                if raise_errors:
                    raise e
                out.append(e)
            else:
                out.append(r)
        return out

    def evaluate_designs(self, designs: Sequence[Mapping[str, Any]]) -> List[Union[Dict[str, Any], DuetError]]:
        """Many direct designs (networks/accelerator/set…) in one ``evaluate`` request."""
        result = self.call("evaluate", {"designs": [dict(d) for d in designs]})
        return [DuetError.from_object(r["error"]) if isinstance(r, Mapping) and isinstance(r.get("error"), Mapping)
                and len(r) == 1 else r for r in result.get("results", [])]

    def space(self, config: Union[str, Path]) -> Dict[str, Any]:
        """The design space of an explore config: ``variables``, ``objectives``, ``constraints``."""
        return self.call("space", {"config": str(config)})

    def sample(self, config: Union[str, Path], n: int, seed: int) -> List[Dict[str, Any]]:
        """``n`` points of the config's space, the same for the same seed."""
        return self.call("sample", {"config": str(config), "n": int(n), "seed": int(seed)})["points"]

    def decode(self, config: Union[str, Path], point: Mapping[str, Any]) -> Dict[str, Any]:
        """The design a point means (as explore prints it)."""
        return self.call("decode", {"config": str(config), "point": dict(point)})["design"]

    def solve(self, config: Union[str, Path]) -> Dict[str, Any]:
        """What ``duet solve --format json`` prints for the config."""
        return self.call("solve", {"config": str(config)})

    def ask(self, study: Union[str, Path], n: int = 1, config: Optional[Union[str, Path]] = None,
            **extra: Any) -> List[Dict[str, Any]]:
        """``n`` proposals of the study's optimizer: ``[{"trial": id, "point": {...}, ...}]``.
        ``study`` is an SQLite file or a ``postgresql://…?study=NAME`` URL; a new study needs
        ``config``. Other keyword arguments (e.g. ``lease``) are passed as parameters."""
        params: Dict[str, Any] = {"study": str(study), "n": int(n), **extra}
        if config is not None:
            params["config"] = str(config)
        return self.call("ask", params)["trials"]

    def tell(self, study: Union[str, Path], metrics: Optional[Mapping[str, float]] = None, trial: Any = None,
             point: Optional[Mapping[str, Any]] = None, error: Optional[str] = None, **extra: Any) -> Dict[str, Any]:
        """Records an asked trial's ``metrics`` (or its ``error``), or — with ``point`` and no
        ``trial`` — a tell-only trial of the agent's own design."""
        params: Dict[str, Any] = {"study": str(study), **extra}
        if metrics is not None:
            params["metrics"] = dict(metrics)
        if trial is not None:
            params["trial"] = trial
        if point is not None:
            params["point"] = dict(point)
        if error is not None:
            params["error"] = str(error)
        return self.call("tell", params)

    def shutdown(self) -> Optional[int]:
        """Asks the server to exit (method ``shutdown``) and returns its exit status."""
        try:
            self.call("shutdown", {})
        finally:
            status = self.close()
        return status
