"""Filters, sorting and pages of the server's list endpoints (``projects.list``, ...).

A list answer is ``{"total", "perPage", "pagesCount", "entities"}``. Filters come as
``[{"field": "name", "operator": "=", "value": "ds0"}]``; all of them must hold.
"""

import math
from typing import Any, Callable, Dict, List, Optional, Sequence, Tuple, TypeVar

T = TypeVar("T")
ValueOf = Callable[[T, str], Any]

OPERATORS: Dict[str, Callable[[Any, Any], bool]] = {
    "=": lambda actual, wanted: actual == wanted,
    "eq": lambda actual, wanted: actual == wanted,
    "!=": lambda actual, wanted: actual != wanted,
    "not": lambda actual, wanted: actual != wanted,
    "in": lambda actual, wanted: actual in wanted,
    "!in": lambda actual, wanted: actual not in wanted,
    "<": lambda actual, wanted: actual is not None and actual < wanted,
    ">": lambda actual, wanted: actual is not None and actual > wanted,
    "<=": lambda actual, wanted: actual is not None and actual <= wanted,
    ">=": lambda actual, wanted: actual is not None and actual >= wanted,
}
SORT_ORDERS = ("asc", "desc")


def check_filters(filters: Any) -> List[Dict[str, Any]]:
    """Validate the ``filter`` field of a list request and return it as a list.

    Raises:
        ValueError: if a filter lacks ``field``/``operator``/``value`` or uses an operator
            that is not one of ``OPERATORS``.

    Examples:
        >>> check_filters(None)
        []
        >>> check_filters([{"field": "name", "operator": "~", "value": "a"}])  # doctest: +ELLIPSIS
        Traceback (most recent call last):
        ...
        ValueError: Unknown filter operator '~'. Possible operators: =, eq, !=, not, in, ...
    """
    if filters is None:
        return []
    if not isinstance(filters, list):
        raise ValueError("Field 'filter' must be a list")
    for item in filters:
        if not isinstance(item, dict) or not {"field", "operator", "value"} <= item.keys():
            raise ValueError("Every filter needs the keys 'field', 'operator' and 'value'")
        if item["operator"] not in OPERATORS:
            raise ValueError(
                f"Unknown filter operator {item['operator']!r}. "
                f"Possible operators: {', '.join(OPERATORS)}"
            )
        if item["operator"] in ("in", "!in") and not isinstance(item["value"], list):
            raise ValueError(f"Operator {item['operator']!r} needs a list value")
    return filters


def filter_items(items: Sequence[T], filters: Any, value_of: ValueOf) -> List[T]:
    """Keep the items that satisfy every filter; ``value_of(item, field)`` reads a field.

    Examples:
        >>> items = [{"id": 1, "name": "a"}, {"id": 2, "name": "b"}, {"id": 3, "name": "a"}]
        >>> filter_items(items, [{"field": "name", "operator": "=", "value": "a"}], dict.get)
        [{'id': 1, 'name': 'a'}, {'id': 3, 'name': 'a'}]
        >>> above_one = [{"field": "id", "operator": ">", "value": 1}]
        >>> [item["id"] for item in filter_items(items, above_one, dict.get)]
        [2, 3]
    """
    checked = check_filters(filters)
    if not checked:
        return list(items)
    tests = [(f["field"], OPERATORS[f["operator"]], f["value"]) for f in checked]
    try:
        return [
            item
            for item in items
            if all(test(value_of(item, field), wanted) for field, test, wanted in tests)
        ]
    except TypeError as error:
        raise ValueError(f"Filter value does not fit the field: {error}") from None


def sort_items(
    items: Sequence[T], field: Optional[str], order: Optional[str], value_of: ValueOf
) -> List[T]:
    """Sort by one field, ``None`` values last; ``order`` is ``"asc"`` (default) or ``"desc"``.

    Raises:
        ValueError: for an order other than ``SORT_ORDERS``.

    Examples:
        >>> items = [{"id": 2, "name": "b"}, {"id": 1, "name": "c"}, {"id": 3, "name": "a"}]
        >>> [i["id"] for i in sort_items(items, "name", "desc", dict.get)]
        [1, 2, 3]
    """
    order = order or "asc"
    if order not in SORT_ORDERS:
        raise ValueError(f"Unknown sort order {order!r}. Possible orders: asc or desc")
    field = field or "id"

    def key(item: T) -> Tuple[bool, Any]:
        value = value_of(item, field)
        return value is None, value if value is not None else 0

    try:
        return sorted(items, key=key, reverse=order == "desc")
    except TypeError:
        return sorted(items, key=lambda item: str(value_of(item, field)), reverse=order == "desc")


def page_bounds(total: int, page: Any, per_page: Any, max_per_page: int) -> Tuple[int, int, int]:
    """Return ``(start, stop, per_page)`` of a 1-based page; ``per_page`` is capped.

    Raises:
        ValueError: if ``page`` or ``per_page`` is not a positive integer.

    Examples:
        >>> page_bounds(total=5, page=2, per_page=2, max_per_page=500)
        (2, 4, 2)
        >>> page_bounds(total=5, page=None, per_page=None, max_per_page=3)
        (0, 3, 3)
    """
    page = 1 if page is None else page
    per_page = max_per_page if per_page is None else per_page
    for name, value in (("page", page), ("per_page", per_page)):
        if isinstance(value, bool) or not isinstance(value, int) or value < 1:
            raise ValueError(f"Field {name!r} must be a positive integer")
    per_page = min(per_page, max_per_page)
    start = min((page - 1) * per_page, total)
    return start, min(start + per_page, total), per_page


def page_answer(entities: List[Dict[str, Any]], total: int, per_page: int) -> Dict[str, Any]:
    """The body of a list answer.

    Examples:
        >>> page_answer([{"id": 1}], total=3, per_page=2)
        {'total': 3, 'perPage': 2, 'pagesCount': 2, 'entities': [{'id': 1}]}
    """
    return {
        "total": total,
        "perPage": per_page,
        "pagesCount": math.ceil(total / per_page),
        "entities": entities,
    }


def select_fields(entity: Dict[str, Any], fields: Any) -> Dict[str, Any]:
    """Keep only the requested fields (and ``id``); an empty or missing list keeps all.

    Examples:
        >>> select_fields({"id": 1, "name": "a", "size": 3}, ["name"])
        {'id': 1, 'name': 'a'}
        >>> select_fields({"id": 1, "name": "a"}, [])
        {'id': 1, 'name': 'a'}
    """
    if not fields:
        return entity
    if not isinstance(fields, list):
        raise ValueError("Field 'fields' must be a list of field names")
    wanted = set(fields) | {"id"}
    return {key: value for key, value in entity.items() if key in wanted}
