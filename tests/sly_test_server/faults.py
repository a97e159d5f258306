"""Planned failures: answer the next requests with an error, or drop their connection."""

import threading
from dataclasses import dataclass
from typing import List, Optional


@dataclass
class Fault:
    """What to do to a matching request.

    ``status`` is the error to answer, or ``None`` to close the connection without an answer.
    With ``after_processing`` the request changes the state first, then the client sees the
    fault (the case of a create whose answer got lost, so the client's retry creates twice).
    """

    remaining: int
    status: Optional[int]
    endpoint: Optional[str]
    after_processing: bool

    def matches(self, endpoint: str) -> bool:
        return self.remaining > 0 and (self.endpoint is None or self.endpoint == endpoint)


class FaultPlan:
    """The faults still to happen, taken in the order they were planned.

    Examples:
        >>> plan = FaultPlan()
        >>> plan.add(2, status=503, endpoint="images.info", after_processing=False)
        >>> plan.take("projects.list") is None
        True
        >>> plan.take("images.info").status, plan.take("images.info").status
        (503, 503)
        >>> plan.take("images.info") is None
        True
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._faults: List[Fault] = []

    def add(
        self, n: int, status: Optional[int], endpoint: Optional[str], after_processing: bool
    ) -> None:
        """Plan a fault for the next ``n`` requests to ``endpoint`` (``None``: any request).

        Raises:
            ValueError: if ``n`` is not a positive integer or ``status`` is not 4xx/5xx.
        """
        if isinstance(n, bool) or not isinstance(n, int) or n < 1:
            raise ValueError(f"n must be a positive integer, got {n!r}")
        if status is not None and not 400 <= status <= 599:
            raise ValueError(f"status must be an HTTP error (400-599, usually 5xx), got {status}")
        with self._lock:
            self._faults.append(Fault(n, status, endpoint, after_processing))

    def take(self, endpoint: str) -> Optional[Fault]:
        """The fault for a request to ``endpoint``, used up by this call, or ``None``."""
        with self._lock:
            for fault in self._faults:
                if fault.matches(endpoint):
                    fault.remaining -= 1
                    self._faults = [f for f in self._faults if f.remaining > 0]
                    return Fault(1, fault.status, fault.endpoint, fault.after_processing)
            return None

    def pending(self) -> int:
        """How many requests are still to fail or be dropped."""
        with self._lock:
            return sum(fault.remaining for fault in self._faults)

    def clear(self) -> None:
        with self._lock:
            self._faults.clear()
