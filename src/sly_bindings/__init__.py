"""Object binding for Supervisely: the toolkit around the tutorial's ``bindings`` module.

Subpackages, by role:

- ``sly_bindings.groups``: helpers on binding groups (merge, split, auto-bind, validate,
  stats, preview), each a module you can copy with ``bindings.py``;
- ``sly_bindings.formats``: one module per format (Supervisely, LabelMe, CVAT, COCO, YOLO), one
  record each in ``formats.registry``;
- ``sly_bindings.project``: project-scale edits over a local folder or a server;
- ``sly_bindings.server``: Supervisely API calls made safe to retry;
- ``sly_bindings.files``: reading images and masks, opening projects, atomic writes (plumbing);
- ``sly_bindings.cli``: the ``sly-bindings`` command and how every command ends.
"""
