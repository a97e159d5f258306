"""Rewrite the binding keys of an uploaded annotation the way the Supervisely server does.

A label's binding key is its JSON field ``instance``. The server does not keep the strings a
client sends: every group gets a key of the server's own, while the grouping is preserved.
"""

from typing import Any, Callable, Dict, Hashable

INSTANCE = "instance"
OBJECTS = "objects"


def rewrite_binding_keys(ann_json: Dict[str, Any], new_key: Callable[[], Any]) -> Dict[str, Any]:
    """Give every binding group of one annotation a fresh key of the server's own.

    Labels (``ann_json["objects"]``) that share an ``instance`` value keep sharing one, but the
    value is replaced by ``new_key()``, called once per distinct incoming key in the order of
    first appearance. Labels without ``instance`` (or with ``None``) stay unbound. The input is
    not modified: the result is a shallow copy with copied label dicts.

    Args:
        ann_json: annotation in Supervisely JSON format.
        new_key: returns the next server key; called once per distinct incoming key.

    Returns:
        The annotation with rewritten keys.

    Raises:
        ValueError: if ``objects`` is missing or not a list, a label is not a dict, or a key
            is neither a string nor an integer.

    Examples:
        >>> keys = iter([62245779, 62245780])
        >>> ann = {"objects": [{"instance": "a"}, {"instance": "b"}, {"instance": "a"}, {}]}
        >>> labels = rewrite_binding_keys(ann, lambda: next(keys))["objects"]
        >>> [label.get("instance") for label in labels]
        [62245779, 62245780, 62245779, None]
        >>> ann["objects"][0]["instance"]  # the input is left alone
        'a'
    """
    labels = ann_json.get(OBJECTS)
    if not isinstance(labels, list):
        raise ValueError(f"Annotation field {OBJECTS!r} must be a list of labels")
    assigned: Dict[Hashable, Any] = {}
    rewritten = []
    for label in labels:
        if not isinstance(label, dict):
            raise ValueError("Every label of an annotation must be a JSON object")
        label = dict(label)
        key = label.get(INSTANCE)
        if key is None:
            label.pop(INSTANCE, None)
        elif isinstance(key, bool) or not isinstance(key, (str, int)):
            raise ValueError(
                f"Label field {INSTANCE!r} must be a string or an integer, got {type(key).__name__}"
            )
        else:
            identity = (type(key), key)
            if identity not in assigned:
                assigned[identity] = new_key()
            label[INSTANCE] = assigned[identity]
        rewritten.append(label)
    return {**ann_json, OBJECTS: rewritten}
