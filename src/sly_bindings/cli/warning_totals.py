"""What a run warned about, totalled by kind: the one collector every command's warnings go to.

A warning's kind is, in this order: its own ``kind`` attribute (a warning object may name it),
else the first row of :data:`KINDS` whose pattern its message matches, else its message with
the place taken off and the numbers made ``N``. On the terminal each kind takes at most a few
lines: up to :data:`SHOWN` warnings of a kind are printed as they are, more as one line
(``35 polyline shapes skipped in 7 files; first: a.json: shapes[2]; ...``). ``--json`` holds every
message, and the totals (``warnings`` and ``warning_totals``).

Examples:
    >>> totals = Collector()
    >>> for number in range(5):
    ...     totals.add(f"f{number % 2}.json: shapes[{number}] (road): shape_type 'line' skipped: "
    ...                "only polygon, rectangle and mask are read")
    >>> print("\\n".join(totals.terminal_lines()))
    warning: 5 line shapes skipped in 2 files; first: f0.json: shapes[0] (road); f1.json: shapes[1] (road); f0.json: shapes[2] (road) (every one with --json)
    >>> totals.as_json()[0]["count"], totals.as_json()[0]["kind"]
    (5, 'line shapes skipped')
"""

from __future__ import annotations

import contextlib
import io
import json
import re
import sys
import warnings
from typing import Any, Dict, Iterator, List, NamedTuple, Optional, Pattern, Set, Tuple

from sly_bindings.cli.printable import printable

SHOWN = 3  # warnings of one kind printed as they are; more are one line

# (pattern, kind): the kind may use the pattern's named group ``what``. First match wins.
KINDS: Tuple[Tuple[Pattern[str], str], ...] = tuple(
    (re.compile(pattern), kind)
    for pattern, kind in (
        (r"shape_type '?(?P<what>[\w-]+)'? skipped", "{what} shapes skipped"),
        (r"a \S+ (?P<what>[\w-]+) is skipped: only", "{what} shapes skipped"),
        (r"skipped: only .* are read", "shapes of other types skipped"),
        (r"a polygon needs 3 points", "polygons of fewer than 3 points skipped"),
        (r"rotated box", "rotated boxes skipped"),
        (r"mask (has no pixel|lies wholly outside)", "empty masks skipped"),
        (r"hole", "polygon holes dropped"),
        (r"mixes classes", "groups that mix classes, read back as one group per class"),
        (r"COCO keeps one class per object", "group members of other classes not kept in COCO"),
        (r"separate parts: written as one polygon", "objects in parts joined into one polygon"),
        (r"shared with another instance", "repeated COCO ids read as objects of their own"),
        (r"Ultralytics will not find this image", "images Ultralytics will not find"),
    )
)


class Collected(NamedTuple):
    """One warning: its kind, its place (file first) and its message."""

    kind: str
    place: str
    file: str
    message: str


def kind_of(warning: Any) -> str:
    """The kind of ``warning`` (a Warning object or a message), as words.

    Examples:
        >>> kind_of("a.png: a car polygon has 2 hole(s): CVAT polygons have none, so ...")
        'polygon holes dropped'
        >>> kind_of("x.json: id 17: something new happened 3 times")
        'something new happened N times'
    """
    own = getattr(warning, "kind", None)
    if isinstance(own, str) and own:
        return own
    text = str(warning)
    for pattern, kind in KINDS:
        found = pattern.search(text)
        if found:
            return kind.format(**found.groupdict())
    reason = text.rsplit(": ", 1)[-1]
    return re.sub(r"\d+", "N", reason)


def place_of(message: str) -> Tuple[str, str]:
    """(place, file) of a message ``file: record: what``: the text before what happened.

    Examples:
        >>> place_of("ds/a.json: shapes[2] (car): skipped, a polygon needs 3 points, got 2")
        ('ds/a.json: shapes[2] (car)', 'ds/a.json')
        >>> place_of("a.png: group k mixes classes car, sign")
        ('a.png', 'a.png')
    """
    parts = message.split(": ")
    if len(parts) == 1:
        return "", ""
    place = parts[0] if len(parts) == 2 or len(parts[1]) > 40 else ": ".join(parts[:2])
    return place, parts[0]


class Tally:
    """The warnings of one kind: how many, the files they name (a message naming no place names
    none), the first :data:`SHOWN`, and the first :data:`SHOWN` places they name (a place named
    twice, by two warnings about one image, is listed once).

    Examples:
        >>> tally = Tally()
        >>> for message in ("a.png: group 1 is 3 separate parts", "a.png: group 2 is 2 parts",
        ...                 "b.png: group 1 is 2 separate parts"):
        ...     tally.add(Collected("parts joined", *place_of(message), message))
        >>> tally.count, sorted(tally.files), list(tally.places)
        (3, ['a.png', 'b.png'], ['a.png', 'b.png'])
    """

    def __init__(self) -> None:
        self.count = 0
        self.files: Set[str] = set()
        self.first: List[Collected] = []
        self.places: Dict[str, None] = {}  # in the order first named

    def add(self, one: Collected) -> None:
        self.count += 1
        if one.file:  # a message naming no place names no file
            self.files.add(one.file)
        if len(self.first) < SHOWN:
            self.first.append(one)
        if len(self.places) < SHOWN:
            self.places.setdefault(one.place or one.message)


class Collector:
    """The warnings of one run, totalled by kind as they come (:class:`Tally`), and every one
    of them in order when ``every`` (``--json`` gives every message): a run that warns about
    each of 100,000 images holds its totals, not its messages.

    Examples:
        >>> totals = Collector(every=False)
        >>> for number in range(1000):
        ...     totals.add(f"{number}.json: shapes[0] (road): skipped, a polygon needs 3 points")
        >>> len(totals.collected), totals.terminal_lines()[0][:74]
        (0, 'warning: 1000 polygons of fewer than 3 points skipped in 1000 files; first')
    """

    def __init__(self, every: bool = True) -> None:
        self.every = every
        self.collected: List[Collected] = []  # every warning, in order (when ``every``)
        self.totals: Dict[str, Tally] = {}  # by kind, in the order the kinds came
        self.unprinted: Dict[str, Tally] = {}  # the same, of those not printed yet

    def add(self, warning: Any) -> None:
        message = str(warning)
        place, file = place_of(message)
        one = Collected(kind_of(warning), place, file, message)
        if self.every:
            self.collected.append(one)
        for tallies in (self.totals, self.unprinted):
            tallies.setdefault(one.kind, Tally()).add(one)

    def terminal_lines(self) -> List[str]:
        """The lines for people, for the warnings not printed yet (which then are): each kind
        in at most :data:`SHOWN` lines, each one line (a name with LF, CR or ESC: escaped,
        :func:`printable`)."""
        lines = []
        for kind, tally in self.unprinted.items():
            if tally.count <= SHOWN:
                lines.extend(f"warning: {one.message}" for one in tally.first)
                continue
            files = len(tally.files)
            where = f" in {files} file{'' if files == 1 else 's'}" if files else ""
            first = "; ".join(tally.places)
            lines.append(
                f"warning: {tally.count} {kind}{where}; first: {first} (every one with --json)"
            )
        self.unprinted = {}
        return [printable(line) for line in lines]

    def as_json(self) -> List[Dict[str, Any]]:
        """Per kind: the kind, how many, in how many files, and every message (the first
        :data:`SHOWN` unless ``every``)."""
        messages: Dict[str, List[str]] = {kind: [] for kind in self.totals}
        for one in self.collected:
            messages[one.kind].append(one.message)
        return [
            {
                "kind": kind,
                "count": tally.count,
                "files": len(tally.files),
                "messages": messages[kind] if self.every else [o.message for o in tally.first],
            }
            for kind, tally in self.totals.items()
        ]


CURRENT: List[Collector] = []  # the collector of the run under way (``collecting``)


def current() -> Collector:
    """The run's collector (:func:`collecting`); outside a run, a collector of its own."""
    return CURRENT[-1] if CURRENT else Collector()


@contextlib.contextmanager
def streamed(collector: Collector, categories: Tuple[type, ...]) -> Iterator[None]:
    """Within the block, each warning of ``categories`` goes to ``collector`` as it is
    warned, and no other warning is shown: none is held (``catch_warnings(record=True)``
    holds every one of them till the block ends). The command prints
    ``collector.terminal_lines()`` when it wants them."""
    with warnings.catch_warnings():
        warnings.simplefilter("always")

        def show(message: Any, category: type, *_: Any, **__: Any) -> None:
            if issubclass(category, categories):
                collector.add(message)

        warnings.showwarning = show
        yield


def ours(category: type) -> bool:
    """Whether a warning category is this project's (its formats', helpers'), not a library's."""
    return category.__module__.split(".")[0] in ("sly_bindings", "bindings")


@contextlib.contextmanager
def collecting(as_json: bool = False) -> Iterator[Collector]:
    """Within the block, this project's warnings are collected, and printed totalled at the end
    (those the command did not print itself); other warnings pass as before. With ``as_json``,
    what the command prints on stdout (one JSON object) gets ``warnings`` (every message, if it
    has none) and ``warning_totals``."""
    collector = Collector(every=as_json)
    CURRENT.append(collector)
    stdout = sys.stdout
    captured: Optional[io.StringIO] = io.StringIO() if as_json else None
    caught: List[warnings.WarningMessage] = []
    try:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always", UserWarning)
            if captured is not None:
                sys.stdout = captured
            try:
                yield collector
            finally:
                sys.stdout = stdout
    finally:
        # Written whether the run ended well or not (a run that printed its JSON and then
        # stops with an error keeps both; the error line follows).
        CURRENT.remove(collector)
        add_caught(collector, caught)
        if captured is not None and captured.getvalue():
            stdout.write(with_warnings(captured.getvalue(), collector))
            stdout.flush()
        for line in collector.terminal_lines():
            print(line, file=sys.stderr)


def add_caught(collector: Collector, caught: List[warnings.WarningMessage]) -> None:
    """Add this project's warnings of ``caught`` to ``collector`` (once); show the others as
    Python would."""
    for record in caught:
        if ours(record.category):
            collector.add(record.message)
        else:
            warnings.showwarning(record.message, record.category, record.filename, record.lineno)
    caught.clear()


def with_warnings(
    text: str, collector: Collector, caught: Optional[List[warnings.WarningMessage]] = None
) -> str:
    """``text`` (a command's JSON output) with the collected warnings added, when it is one
    JSON object; otherwise as it is.

    Examples:
        >>> totals = Collector(); totals.add("a.json: x: skipped, a polygon needs 3 points")
        >>> data = json.loads(with_warnings('{"total": 1}', totals))
        >>> data["warnings"], data["warning_totals"][0]["count"]
        (['a.json: x: skipped, a polygon needs 3 points'], 1)
    """
    add_caught(collector, caught or [])
    try:
        data = json.loads(text)
    except ValueError:
        return text
    if not isinstance(data, dict):
        return text
    data.setdefault("warnings", [one.message for one in collector.collected])
    data["warning_totals"] = collector.as_json()
    return json.dumps(data, indent=2) + "\n"
