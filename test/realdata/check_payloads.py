"""Decode Binance's own documented payloads through a generated package and check that nothing is lost.

Usage (the generated package must be importable, e.g. with PYTHONPATH=<OUTPUT_DIR>):

    python test/realdata/check_payloads.py --payloads ../shared/realdata/binance-payloads \\
        --module umfutures-streams --package corpus_umfutures_streams [--json REPORT.json] [--no-fail]

``index.json`` in the payloads folder lists every example with its ``category``, the module it belongs to
(``pkg``) and its ``target`` (method, stream or event type). For the entries of ``--module``:

* ``response``: validated with the model the package declares for the method
  (``_spec.SPEC.operations[method].response_model`` in ``models``);
* ``generic-response`` (a reply quoted without its method) and ``error-response``: validated with the generic
  WS API envelope ``models.ApiResponse``; an error reply must carry ``error.code`` and ``error.msg``;
* ``error-payload`` (the bare ``{code, msg}`` object): validated with the class of ``ApiResponse.error``;
* ``stream-event``: ``models.EVENT_ROUTER.decode(frame, stream=<the entry's concrete stream name>)`` and the
  same payload inside a combined-stream wrapper; both must pick the route of the stream's pattern;
* ``user-data-event``: ``EVENT_ROUTER.decode(frame)`` (the listenKey stream carries no stream name) must pick
  the route of the documented event type (``expected_e``).

A payload is *decoded* when it is accepted (the runtime's own validation, then the same model again with
pydantic's strict mode, so that an integer sent as a string or a number typed as a string shows up), routed
to the documented model, and no field of it ends up untyped in ``model_extra`` anywhere in the decoded tree.

Examples listed in ``defective-examples.json`` beside this script (test fixtures that are not what Binance sends,
each with the reason) are skipped with that reason. Not decoded either, and listed as skipped with the reason: ``fragment`` (a piece of a REST exchangeInfo reply quoted in
the docs: a rate-limit or filter definition; no frame carries it alone), ``request`` (what the client sends, the
package builds those), ``rest-response`` (REST endpoint examples, not WebSocket frames), ``non-json`` and
``skipped`` (no JSON file was kept). Those entries have no ``pkg``, or are fragments; they are counted only when
``--module`` is ``all-skipped``.

Prints a table of the failures and, last, ``N payloads: N decoded, N failed``. Exit status 1 when anything failed
(unless ``--no-fail``), 2 on usage errors.
"""

from __future__ import annotations

import argparse
import importlib
import json
import sys
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

DECODED_CATEGORIES = ("response", "generic-response", "error-response", "error-payload", "stream-event", "user-data-event")
SKIP_REASONS = {
    "fragment": "a piece of a REST exchangeInfo reply (rate-limit or filter definition), not a frame of its own",
    "request": "a request the client sends; the package builds requests, it does not decode them",
    "rest-response": "a REST endpoint example, not a WebSocket payload",
    "non-json": "not JSON in the docs; no file kept",
    "skipped": "not JSON after repair; no file kept",
}


DEFECTS_FILE = Path(__file__).with_name("defective-examples.json")


def load_defects() -> dict[str, str]:
    """Examples that are not what Binance sends (truncated or misplaced test fixtures): file name -> reason."""
    if not DEFECTS_FILE.exists():
        return {}
    return {item["file"]: item["reason"] for item in json.loads(DEFECTS_FILE.read_text(encoding="utf-8"))["examples"]}


@dataclass
class Outcome:
    file: str
    category: str
    target: str
    accepted: bool = False
    routed: bool = False
    model: str = ""
    extra: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)

    @property
    def decoded(self) -> bool:
        return self.accepted and self.routed and not self.extra and not self.problems


def untyped_fields(value: Any, path: str = "$") -> list[str]:
    """Every key that landed in some model's ``model_extra``, as a path like ``$.result.fills[].commissionAsset``."""
    from pydantic import BaseModel

    found: list[str] = []
    if isinstance(value, BaseModel):
        for key in sorted((value.model_extra or {}).keys()):
            found.append(f"{path}.{key}")
        for name in type(value).model_fields:
            found.extend(untyped_fields(getattr(value, name), f"{path}.{name}"))
    elif isinstance(value, (list, tuple)):
        seen: set[str] = set()
        for item in value:
            for p in untyped_fields(item, f"{path}[]"):
                if p not in seen:
                    seen.add(p)
                    found.append(p)
    elif isinstance(value, dict):
        for key, item in value.items():
            found.extend(untyped_fields(item, f"{path}.{key}"))
    return found


def class_name(model: Any) -> str:
    return model.__name__ if isinstance(model, type) else type(model).__name__


def strict_check(model_cls: Any, text: str, array: bool) -> str | None:
    """Validate again with pydantic's strict mode; the error text, or None."""
    from pydantic import TypeAdapter, ValidationError

    try:
        if array:
            TypeAdapter(list[model_cls]).validate_json(text, strict=True)
        else:
            model_cls.model_validate_json(text, strict=True)
    except ValidationError as exc:
        return f"strict validation: {short_error(exc)}"
    return None


def short_error(exc: Exception) -> str:
    errors = getattr(exc, "errors", None)
    if callable(errors):
        try:
            parts = [f"{'.'.join(str(p) for p in e['loc']) or '(payload)'}: {e['msg']}" for e in errors()[:4]]
            more = len(errors()) - 4
            return "; ".join(parts) + (f"; and {more} more" if more > 0 else "")
        except Exception:  # noqa: BLE001 - fall back to the plain message
            pass
    text = str(exc).strip().splitlines()
    return text[0] if text else type(exc).__name__


class Checker:
    def __init__(self, package: str) -> None:
        self.models = importlib.import_module(f"{package}.models")
        self.spec = importlib.import_module(f"{package}._spec").SPEC
        self.router = self.models.EVENT_ROUTER

    def check(self, entry: dict[str, Any], text: str) -> Outcome:
        category = entry["category"]
        outcome = Outcome(entry["file"], category, str(entry.get("target") or ""))
        try:
            if category == "response":
                self.check_response(entry, text, outcome)
            elif category in ("generic-response", "error-response"):
                self.check_model(self.models.ApiResponse, text, outcome)
                if category == "error-response" and outcome.accepted:
                    error = json.loads(text).get("error") or {}
                    if not isinstance(error.get("code"), int) or not isinstance(error.get("msg"), str):
                        outcome.problems.append("error reply without error.code and error.msg")
            elif category == "error-payload":
                annotation = self.models.ApiResponse.model_fields["error"].annotation
                payload_cls = next((a for a in getattr(annotation, "__args__", (annotation,)) if isinstance(a, type)), None)
                self.check_model(payload_cls, text, outcome)
            elif category == "stream-event":
                self.check_stream_event(entry, text, outcome)
            elif category == "user-data-event":
                self.check_user_data_event(entry, text, outcome)
        except Exception as exc:  # noqa: BLE001 - every failure is reported per payload
            outcome.problems.append(f"{type(exc).__name__}: {short_error(exc)}")
        return outcome

    def check_model(self, model_cls: Any, text: str, outcome: Outcome) -> Any:
        from pydantic import ValidationError

        outcome.model = class_name(model_cls)
        try:
            value = model_cls.model_validate_json(text)
        except ValidationError as exc:
            outcome.problems.append(f"rejected: {short_error(exc)}")
            return None
        strict = strict_check(model_cls, text, False)
        if strict:
            outcome.problems.append(strict)
            return None
        outcome.accepted = True
        outcome.routed = True
        outcome.extra = untyped_fields(value)
        return value

    def check_response(self, entry: dict[str, Any], text: str, outcome: Outcome) -> None:
        method = str(entry.get("target"))
        operation = self.spec.operations.get(method)
        if operation is None:
            outcome.problems.append(f"no operation {method!r} in the package")
            return
        model_cls = getattr(self.models, operation.response_model, None)
        if model_cls is None:
            outcome.problems.append(f"models has no {operation.response_model}")
            return
        self.check_model(model_cls, text, outcome)

    def decode(self, frame: str, stream: str | None, outcome: Outcome) -> Any:
        from pydantic import ValidationError

        err_types: tuple[type[Exception], ...] = (ValidationError,)
        decode_error = getattr(importlib.import_module(self.models.__name__.rsplit(".", 1)[0] + ".errors"), "EventDecodeError", None)
        if decode_error is not None:
            err_types = (*err_types, decode_error)
        try:
            return self.router.decode(frame, stream=stream)
        except err_types as exc:
            outcome.problems.append(f"rejected: {short_error(getattr(exc, 'cause', None) or exc)}")
            return None

    def finish_event(self, routed: Any, expected_route: Any, text: str, outcome: Outcome, by_shape: bool = False) -> None:
        """``by_shape``: no pattern of the stream has the payload's shape (COIN-M ``<pair>@markPrice``, an array whose
        names match ``<symbol>@markPrice``); a list of the stream's own model is then the documented event."""
        event = routed.event
        is_array = isinstance(event, list)
        model_cls = type(event[0]) if is_array and event else type(event)
        shape = lambda cls, array: f"{class_name(cls)}{' (array)' if array else ''}"  # noqa: E731
        outcome.model = shape(model_cls, is_array)
        outcome.accepted = True
        outcome.extra = untyped_fields(event)
        shape_only = model_cls is expected_route.model and is_array != expected_route.array and by_shape
        if model_cls is not expected_route.model or (is_array != expected_route.array and not shape_only):
            outcome.problems.append(f"routed to {outcome.model}, expected {shape(expected_route.model, expected_route.array)}")
            return
        outcome.routed = True
        strict = strict_check(model_cls, text, is_array)
        if strict:
            outcome.problems.append(strict)

    def stream_routes(self, stream: str) -> list[Any]:
        """Every route with a stream pattern that matches ``stream``, most specific first.

        A name can fit several patterns (COIN-M ``btcusd@markPrice`` is ``{pair}@markPrice``, an array, and fits
        ``{symbol}@markPrice`` too); the payload's shape settles which one the router takes.
        """
        found = []
        for regex, route in self.router._patterns:
            if regex.fullmatch(stream) and route not in found:
                found.append(route)
        return found

    def check_stream_event(self, entry: dict[str, Any], text: str, outcome: Outcome) -> None:
        stream = str(entry.get("stream") or "")
        routes = self.stream_routes(stream) if stream else []
        if not routes:
            outcome.problems.append(f"no stream pattern of the package matches {stream!r}")
            return
        is_array = text.lstrip().startswith("[")
        route = next((r for r in routes if r.array == is_array), routes[0])
        routed = self.decode(text, stream, outcome)
        if routed is None:
            return
        self.finish_event(routed, route, text, outcome, by_shape=all(r.array != is_array for r in routes))
        wrapped = json.dumps({"stream": stream, "data": json.loads(text)})
        combined = self.decode(wrapped, None, outcome)
        if combined is not None:
            event = combined.event
            if type(event[0] if isinstance(event, list) and event else event) is not route.model or (isinstance(event, list) != route.array and route.array == is_array):
                outcome.problems.append(f"combined stream: routed elsewhere than {route.model.__name__}")

    def check_user_data_event(self, entry: dict[str, Any], text: str, outcome: Outcome) -> None:
        expected_e = str(entry.get("expected_e") or entry.get("target") or "")
        routes = [r for r in self.router.routes if expected_e in r.event_types and not r.array]
        if not routes:
            outcome.problems.append(f"no event model for e={expected_e!r}")
            return
        routed = self.decode(text, None, outcome)
        if routed is None:
            return
        self.finish_event(routed, routes[0], text, outcome)
        if routed.event_type != expected_e:
            outcome.problems.append(f"event type {routed.event_type!r}, expected {expected_e!r}")


def load_index(payloads: Path) -> list[dict[str, Any]]:
    index = json.loads((payloads / "index.json").read_text(encoding="utf-8"))
    return list(index["entries"])


def select(entries: Iterable[dict[str, Any]], module: str) -> tuple[list[dict[str, Any]], list[tuple[dict[str, Any], str]]]:
    chosen: list[dict[str, Any]] = []
    skipped: list[tuple[dict[str, Any], str]] = []
    defects = load_defects()
    for entry in entries:
        category = entry.get("category")
        if entry.get("file") in defects:
            if entry.get("pkg") == module:
                skipped.append((entry, f"defective example: {defects[entry['file']]}"))
            continue
        if category in SKIP_REASONS:
            belongs = entry.get("pkg") == module or (module == "all-skipped" and not entry.get("pkg"))
            if belongs:
                skipped.append((entry, SKIP_REASONS[category]))
            continue
        if entry.get("pkg") == module and category in DECODED_CATEGORIES and entry.get("file"):
            chosen.append(entry)
    return chosen, skipped


def table(outcomes: list[Outcome]) -> str:
    rows = [("payload", "category", "target", "model", "accepted", "routed", "untyped fields / problems")]
    for o in outcomes:
        detail = "; ".join(o.problems + ([f"model_extra: {', '.join(o.extra)}"] if o.extra else []))
        rows.append((o.file, o.category, o.target, o.model, "yes" if o.accepted else "NO", "yes" if o.routed else "NO", detail))
    widths = [max(len(r[i]) for r in rows) for i in range(6)]
    lines = []
    for r in rows:
        lines.append("  ".join(r[i].ljust(widths[i]) for i in range(6)) + "  " + r[6])
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--payloads", required=True, type=Path)
    parser.add_argument("--module", required=True, help="the pkg value of index.json: spot, umfutures-streams, ...")
    parser.add_argument("--package", help="import name of the generated package")
    parser.add_argument("--json", type=Path, help="write the outcomes as JSON to this file")
    parser.add_argument("--no-fail", action="store_true", help="exit 0 even when payloads failed (for measuring)")
    args = parser.parse_args(argv)

    entries, skipped = select(load_index(args.payloads), args.module)
    for entry, reason in skipped:
        print(f"skipped {entry.get('file') or entry.get('heading', '?')[-60:]} ({entry['category']}): {reason}")
    if not entries:
        print(f"0 payloads: 0 decoded, 0 failed (no payload for {args.module})")
        return 0
    if not args.package:
        parser.error("--package is needed when the module has payloads")
    checker = Checker(args.package)
    outcomes = [checker.check(e, (args.payloads / e["file"]).read_text(encoding="utf-8")) for e in entries]
    failed = [o for o in outcomes if not o.decoded]
    rejected = sum(1 for o in outcomes if not o.accepted)
    misrouted = sum(1 for o in outcomes if o.accepted and not o.routed)
    with_extra = sum(1 for o in outcomes if o.extra)
    extra_fields = sorted({f"{o.model}:{p.rsplit('.', 1)[-1]}" for o in outcomes for p in o.extra})
    if args.json:
        args.json.write_text(
            json.dumps(
                {
                    "module": args.module,
                    "payloads": len(outcomes),
                    "decoded": len(outcomes) - len(failed),
                    "failed": len(failed),
                    "rejected": rejected,
                    "misrouted": misrouted,
                    "with_untyped_fields": with_extra,
                    "untyped_fields": extra_fields,
                    "outcomes": [{**o.__dict__, "decoded": o.decoded} for o in outcomes],
                },
                indent=1,
            ),
            encoding="utf-8",
        )
    if failed:
        print(table(failed))
    print(
        f"{args.module}: {rejected} rejected, {misrouted} misrouted, {with_extra} with untyped fields "
        f"({len(extra_fields)} distinct model fields in model_extra)"
    )
    print(f"{len(outcomes)} payloads: {len(outcomes) - len(failed)} decoded, {len(failed)} failed")
    return 1 if failed and not args.no_fail else 0


if __name__ == "__main__":
    sys.exit(main())
