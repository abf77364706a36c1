"""Building the EDM model from a configuration with the kinds table (``kinds/``): every
published object is built by its kind's module, registers and their virtual tables included,
then everything derived (register layouts, virtual-table result sets) is computed once and the
model is frozen (reference §1.5, §3.3, §4.2)::

    >>> model = build_model(configuration)
    >>> model.entity_set("AccumulationRegister_Stock").records.name
    'AccumulationRegister_Stock_RecordType'

The builder's helpers keep their names for kind modules (``attribute_properties``,
``navigation_for``, ``add_set``, ``reference_object``, ``recorder_properties``, ...).
"""

from __future__ import annotations

from . import configuration as cfg
from .kinds import (accumulation_register, constant, information_register, kind_of, record_set, reference,
                    virtual_table)
from .kinds.record_set import key_nullable as _key_nullable, ref_text as _ref_text  # noqa: F401 (old names)
from .model import OBJECT, FunctionImport, Model, Property, _Builder
from .registers import Layout, build_result_set


class RegisterBuilder(_Builder):
    def build(self) -> Model:
        """Every published object by its kind; sets computed from others (a kind with a
        ``reader``: journals) after the sets they read."""
        objects = [(obj, kind) for obj in self.conf.objects if obj.published
                   for kind in (kind_of(obj),) if kind is not None and kind.config_class is not None]
        for obj, kind in [*((o, k) for o, k in objects if k.reader is None),
                          *((o, k) for o, k in objects if k.reader is not None)]:
            if kind.build is not None:
                kind.build(self, obj)
            else:  # a reference kind whose module is still to come (see kinds/__init__.py)
                self.reference_object(obj)
        return self.model

    # Helpers under the names kind modules call (the work is done in kinds/).
    def reference_object(self, obj: cfg.ReferenceObject) -> None:
        reference.build(self, obj, self.standard_properties(obj))

    def constant(self, obj: cfg.Constant) -> None:
        constant.build(self, obj)

    def independent_register(self, reg: cfg.InformationRegister) -> None:
        information_register.independent(self, reg)

    def recorder_register(self, reg: cfg.RegisterObject) -> None:
        """A register subordinate to recorders, as its kind builds it (a kind without a module
        yet: as a register of turnovers, which is what this helper built before)."""
        kind = kind_of(reg)
        (kind.build if kind is not None and kind.build is not None else accumulation_register.build)(self, reg)

    def recorder_properties(self, reg: cfg.RegisterObject, *, nullable: bool) -> tuple[list[Property], list[Property]]:
        return record_set.recorder_properties(self, reg, nullable=nullable)

    def register_attributes(self, reg: cfg.RegisterObject, key_dimensions: bool) -> tuple[list[Property], list[Property]]:
        return record_set.register_attributes(self, reg, key_dimensions)

    def virtual_table_types(self, reg: cfg.RegisterObject, attrs: list[Property], types: list[Property],
                            recorder: list[Property], recorder_type: list[Property], balance: bool) -> None:
        built = record_set.Built(f"{reg.object_id}_RecordType", attrs, types, recorder, recorder_type)
        virtual_table.add_register_tables(self, reg, built, balance)


def build_model(configuration: cfg.Configuration) -> Model:
    """The EDM model of a configuration (every published object, registers included), with
    everything derived from it computed here, once, then frozen: nothing changes it while answering."""
    model = RegisterBuilder(configuration).build()
    for entity_set in list(model.entity_sets.values()):
        kind = kind_of(entity_set.source)
        for action in kind.actions if kind is not None and entity_set.kind == OBJECT else ():
            parameters = dict(kind.action_parameters).get(action, (("PostingModeOperational", "Edm.Boolean"),))
            model.function_imports.append(FunctionImport(action, entity_set.name, parameters, True))
    for entity_set in list(model.entity_sets.values()):
        if entity_set.is_register:
            model.layouts[entity_set.name] = Layout.build(model, entity_set)
            for function in ("Balance", "Turnovers", "BalanceAndTurnovers"):
                result = build_result_set(model, entity_set, function)
                if result is not None:
                    model.vt_result_sets.setdefault(result.name, result)  # a kind module may have built its own (accounting)
    return model.freeze()


__all__ = ["RegisterBuilder", "build_model"]
