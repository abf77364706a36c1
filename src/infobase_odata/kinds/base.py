"""The row every kind states about itself (see ``kinds/__init__.py`` for the table)::

    Kind("Catalog", cfg.Catalog, m.OBJECT, numbering="Code")
"""

from __future__ import annotations

from typing import Any, Callable, NamedTuple

from ..stores import ObjectWriter


class Kind(NamedTuple):
    """One kind of metadata object and the modules that serve it."""

    name: str  # the entity-set prefix: Catalog, Document, ...
    config_class: type | None  # None: not modelled yet
    set_kind: str  # the EntitySet kind of its main set (model.OBJECT, CONSTANT, ...)
    numbering: str | None = None  # the property numbered when written empty: "Code", "Number"
    actions: tuple[str, ...] = ()  # bound actions (POST <Set>(<key>)/<Action>)
    write_stores: tuple[type, ...] = (ObjectWriter,)  # what its writes need
    read_only: bool = False
    # A kind module's model builder, ``build(builder, obj)`` (None: built as a generic reference
    # object, register_model.RegisterBuilder.reference_object), and the reader of its set kind,
    # ``reader(provider, model)`` (None: the provider).
    build: Callable[[Any, Any], None] | None = None
    reader: Callable[[Any, Any], Any] | None = None
    # (action, its parameters) where they are not Post's ``PostingModeOperational`` (§4.2).
    action_parameters: tuple[tuple[str, tuple[tuple[str, str], ...]], ...] = ()
    # The provider attribute holding the store of this kind's sets (``provider.accounting``):
    # their reads, record-set writes and virtual tables go to it (``kinds/reads.py``).
    store: str | None = None
