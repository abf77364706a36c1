"""Documents (документы, reference §1.2, §3.3, §7): ``Document_<Name>``, objects keyed by
``Ref_Key`` with the bound actions ``Post`` and ``Unpost``::

    GET  Document_SalesOrder?$orderby=Date desc   POST Document_SalesOrder
    PATCH Document_SalesOrder(guid'…')            POST Document_SalesOrder(guid'…')/Post?PostingModeOperational=false

Standard properties in the order of real dumps: ``Ref_Key``, ``DataVersion``, ``Number``,
``Date``, ``DeletionMark``, ``Posted`` (read-only), then the attributes and tabular sections.
An empty ``Number`` is numbered on write (``rules.numbering``). Posting replaces the document's
record sets (``register_handlers.post_action``), so writes need ``ObjectWriter`` and
``RecordSetStore``.
"""

from __future__ import annotations

from typing import Any

from .. import configuration as cfg, model as m
from ..stores import ObjectWriter, RecordSetStore
from ..types import Boolean
from . import reference
from .base import Kind


def standard(obj: cfg.Document) -> list[m.Property]:
    return [m.ref_key(), m.data_version(), *m.number_and_date(obj.number_length, obj.number_type == "Number"),
            m.deletion_mark(), m.standard("Posted", "Edm.Boolean", value_type=Boolean(), read_only=True)]


def build(builder: Any, obj: cfg.Document) -> None:
    reference.build(builder, obj, standard(obj))


KIND = Kind("Document", cfg.Document, m.OBJECT, numbering="Number", actions=("Post", "Unpost"),
            write_stores=(ObjectWriter, RecordSetStore), build=build)
