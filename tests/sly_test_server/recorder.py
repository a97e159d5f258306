"""What the server was asked: a count per endpoint and the log of (method, endpoint, status)."""

import threading
from collections import Counter
from typing import List, Optional, Tuple

LogEntry = Tuple[str, str, Optional[int]]


class RequestRecorder:
    """Thread-safe record of every HTTP request; a dropped request is logged with status None.

    Examples:
        >>> recorder = RequestRecorder()
        >>> recorder.record("POST", "projects.list", 200)
        >>> recorder.record("POST", "projects.list", 503)
        >>> recorder.counts()["projects.list"], recorder.log()[-1]
        (2, ('POST', 'projects.list', 503))
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._counts: Counter = Counter()
        self._log: List[LogEntry] = []

    def record(self, method: str, endpoint: str, status: Optional[int]) -> None:
        with self._lock:
            self._counts[endpoint] += 1
            self._log.append((method, endpoint, status))

    def counts(self) -> Counter:
        """A copy of the count of requests per endpoint."""
        with self._lock:
            return Counter(self._counts)

    def log(self) -> List[LogEntry]:
        """A copy of the log, oldest first."""
        with self._lock:
            return list(self._log)

    def clear(self) -> None:
        with self._lock:
            self._counts.clear()
            self._log.clear()
