"""Document journals (журналы документов, reference §1.2, §3.3): ``DocumentJournal_<Name>``,
read-only rows of the journal's documents computed from their stored objects::

    GET DocumentJournal_Warehouse?$filter=Posted eq true&$orderby=Date desc&$top=10
    GET DocumentJournal_Warehouse(Ref='…',Ref_Type='StandardODATA.Document_Receipt')

Standard properties in the order of real dumps: ``Ref``, ``Type``, ``Date``, ``DeletionMark``,
``Number``, ``Posted``, the journal's columns, ``Ref_Type``; key ``Ref`` + ``Ref_Type`` (both
strings), ``OpenType="true"``. ``Ref`` is the document's GUID as text, ``Type`` and ``Ref_Type``
its type name ``StandardODATA.Document_<Name>`` (the value of ``Type`` is UNCONFIRMED, see the
README's compatibility notes). No store of its own: any provider's ``ObjectReader`` serves it.
"""

from __future__ import annotations

from typing import Any, Iterable, Iterator

from .. import configuration as cfg, model as m
from ..query.ast import Expr, QueryOptions
from ..query.evaluate import Evaluator, both, sort_rows
from ..stores import Key, QueryResult, Row
from ..types import Boolean, Date, String
from ..values import empty_value
from .base import Kind

PREFIX = f"{m.NAMESPACE}."


def build(builder: Any, obj: cfg.DocumentJournal) -> None:
    """Add ``DocumentJournal_<Name>`` to the model being built by ``builder`` (a register_model.RegisterBuilder)."""
    def std(name: str, edm: str, value_type: Any, nullable: bool = True, role: str = m.VALUE) -> m.Property:
        return m.Property(name, edm, role, value_type, nullable, None, None, True)

    props = [std("Ref", "Edm.String", String(0), False, m.KEY), std("Type", "Edm.String", String(0)),
             std("Date", "Edm.DateTime", Date("datetime")), std("DeletionMark", "Edm.Boolean", Boolean()),
             std("Number", "Edm.String", String(0)), std("Posted", "Edm.Boolean", Boolean())]
    plain, types = builder.attribute_properties(obj.columns)
    props += plain + types + [std("Ref_Type", "Edm.String", String(0), False, m.KEY)]
    entity_type = m.EntityType(obj.object_id, props, ("Ref", "Ref_Type"), always_open=True)
    entity_type.navigation = builder.navigation_for(obj.object_id, props)
    builder.add_set(m.EntitySet(obj.object_id, entity_type, m.JOURNAL, obj))


class JournalReader:
    """``ObjectReader`` of journal sets over any provider: reads the documents, maps them to
    journal rows and evaluates ``$filter``/``$orderby``/``$top``/``$skip`` in Python."""

    def __init__(self, provider: Any, model: m.Model) -> None:
        self.provider, self.model = provider, model

    def _lookup(self, entity_set: m.EntitySet, ref: Any) -> Row | None:
        return self.provider.get(entity_set, {"Ref_Key": str(ref).lower()})

    def _document_rows(self, journal: m.EntitySet, document: str, only: str | None = None) -> Iterator[Row]:
        source: cfg.DocumentJournal = journal.source  # type: ignore[assignment]
        doc_set = self.model.entity_set(document)
        if doc_set is None:  # an unpublished document: not listed
            return
        if only is None:
            found: Iterable[Row] = self.provider.query(doc_set, QueryOptions()).rows
        else:
            row = self.provider.get(doc_set, {"Ref_Key": only})
            found = [] if row is None else [row]
        columns = [p for p in journal.entity_type.properties if p.attribute is not None]
        type_name = PREFIX + document
        for doc in found:
            number = doc.get("Number")
            out = {"Ref": doc["Ref_Key"], "Type": type_name, "Date": doc.get("Date"),
                   "DeletionMark": doc.get("DeletionMark", False),
                   "Number": "" if number is None else str(number), "Posted": doc.get("Posted", False),
                   "Ref_Type": type_name}
            for prop in columns:
                source_name = source.source_attribute(prop.attribute, document)  # type: ignore[arg-type]
                stored = prop.name.replace(prop.attribute, source_name, 1)  # X_Key / X / X_Type
                out[prop.name] = doc[stored] if stored in doc else empty_value(prop)
            yield out

    def _rows(self, journal: m.EntitySet) -> list[Row]:
        return [row for document in journal.source.documents  # type: ignore[attr-defined]
                for row in self._document_rows(journal, document)]

    def query(self, entity_set: m.EntitySet, options: QueryOptions, *,
              restriction: Expr | None = None) -> QueryResult:
        condition = both(options.filter, restriction)
        evaluator = Evaluator(self.model, entity_set, self._lookup)
        rows = [r for r in self._rows(entity_set) if evaluator.matches(condition, r)]
        total = len(rows) if options.inlinecount else None
        rows = sort_rows(rows, options.orderby, entity_set.entity_type.key_names, evaluator)
        start = options.skip or 0
        stop = None if options.top is None else start + options.top
        return QueryResult(iter(rows[start:stop]), total)

    def count(self, entity_set: m.EntitySet, filter: Expr | None, *, restriction: Expr | None = None) -> int:
        condition = both(filter, restriction)
        evaluator = Evaluator(self.model, entity_set, self._lookup)
        return sum(1 for r in self._rows(entity_set) if evaluator.matches(condition, r))

    def get(self, entity_set: m.EntitySet, key: Key) -> Row | None:
        ref_type, ref = str(key.get("Ref_Type", "")), str(key.get("Ref", "")).lower()
        document = ref_type[len(PREFIX):] if ref_type.startswith(PREFIX) else ref_type
        if document not in entity_set.source.documents:  # type: ignore[attr-defined]
            return None
        return next(self._document_rows(entity_set, document, only=ref), None)

    def get_many(self, entity_set: m.EntitySet, keys: Iterable[Key]) -> Iterator[Row]:
        return iter([row for row in (self.get(entity_set, key) for key in keys) if row is not None])


KIND = Kind("DocumentJournal", cfg.DocumentJournal, m.JOURNAL, write_stores=(), read_only=True,
            build=build, reader=JournalReader)
