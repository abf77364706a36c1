"""$metadata of business processes and tasks against the real УТ dump (reference §3.3, §4.2):
the dump's own BusinessProcess_пр_… and Task_пр_… declared with the attributes the dump shows,
then every entity type, row type and FunctionImport of theirs compared property by property, in
the dump's order (names, EDM types, nullability, OpenType)."""

from __future__ import annotations

from pathlib import Path

import pytest
from lxml import etree

from infobase_odata import build_model
from infobase_odata.configuration import Configuration
from infobase_odata.formats.csdl import EDM_NS, EDMX_NS, metadata_document

DUMP = Path(__file__).resolve().parents[2].parent / "shared" / "1c-metadata" / "ut-real.edmx"
E = "{%s}" % EDM_NS
PROCESS = "BusinessProcess_пр_БизнесПроцессСогласованияОрдеров"
TASK = "Task_пр_ЗадачаСогласования"
SUBJECT = ["DocumentRef.Ордер", "CatalogRef.Пользователи"]  # a composite (the dump lists no types)


def attrs(*pairs):
    return [{"name": name, "type": type_} for name, type_ in pairs]


CONFIGURATION = {"name": "ut", "objects": [
    {"kind": "Catalog", "name": "Пользователи"},
    {"kind": "Catalog", "name": "ГруппыИсполнителейЗадач"},
    {"kind": "Catalog", "name": "РолиИсполнителей"},
    {"kind": "Document", "name": "Ордер"},
    {"kind": "BusinessProcess", "name": "пр_БизнесПроцессСогласованияОрдеров", "task": f"{TASK}",
     "attributes": attrs(("Предмет", SUBJECT), ("Автор", "CatalogRef.Пользователи"), ("ДатаНачала", "DateTime"),
                         ("ДатаЗавершения", "DateTime"), ("Наименование", "String(150)"),
                         ("РезультатСогласования", "String(50)"), ("Важность", "String(20)"),
                         ("ДатаСогласования", "DateTime"), ("НеОстанавливатьПроцесс", "Boolean")),
     "tabular_sections": [{"name": "РезультатыСогласования", "attributes": attrs(
         ("ТочкаМаршрута", "String(0)"), ("Рецензент", "CatalogRef.Пользователи"),
         ("РезультатСогласования", "String(50)"), ("Комментарий", "String(0)"),
         ("ДатаСогласования", "DateTime"), ("НомерВерсии", "Number(10)"))}],
     "route": [{"name": "Старт", "kind": "start", "next": "Согласовать"},
               {"name": "Согласовать", "kind": "activity", "next": "Завершение"},
               {"name": "Завершение", "kind": "end"}]},
    {"kind": "Task", "name": "пр_ЗадачаСогласования", "description_length": 150,
     "attributes": attrs(("Автор", SUBJECT), ("Важность", "String(20)"),
                         ("ГруппаИсполнителейЗадач", "CatalogRef.ГруппыИсполнителейЗадач"),
                         ("ДатаИсполнения", "DateTime"), ("ДатаНачала", "DateTime"),
                         ("ДатаПринятияКИсполнению", "DateTime"), ("Описание", "String(0)"), ("Предмет", SUBJECT),
                         ("ПредметСтрокой", "String(150)"), ("ПринятаКИсполнению", "Boolean"),
                         ("РезультатВыполнения", "String(0)"), ("СостояниеБизнесПроцесса", "String(20)"),
                         ("СрокИсполнения", "DateTime"), ("АвторСтрокой", "String(100)")),
     "addressing": attrs(("ДополнительныйОбъектАдресации", SUBJECT), ("Исполнитель", SUBJECT),
                         ("ОсновнойОбъектАдресации", SUBJECT), ("РольИсполнителя", "CatalogRef.РолиИсполнителей")),
     "tabular_sections": [{"name": "ОбъектыСогласования", "attributes": attrs(
         ("Изображение", "String(0)"), ("Идентификатор", "String(36)"), ("СсылкаНаПредмет", SUBJECT),
         ("ОтображениеКартинки", "Number(4)"))}]},
]}


def schema_of(document: bytes):
    return etree.fromstring(document).find(f"{{{EDMX_NS}}}DataServices/{E}Schema")


@pytest.fixture(scope="module")
def ours():
    return schema_of(metadata_document(build_model(Configuration.from_dict(CONFIGURATION))))


@pytest.fixture(scope="module")
def dump():
    assert DUMP.is_file(), f"the real dump is expected at {DUMP}"
    return schema_of(DUMP.read_bytes())


def layout(schema, tag: str, name: str):
    element = schema.find(f"{E}{tag}[@Name='{name}']")
    assert element is not None, f"{tag} {name} missing"
    properties = [(p.get("Name"), p.get("Type"), p.get("Nullable")) for p in element.findall(f"{E}Property")]
    keys = [k.get("Name") for k in element.findall(f"{E}Key/{E}PropertyRef")]
    return element.get("OpenType"), keys, properties


@pytest.mark.parametrize("tag, name", [
    ("EntityType", PROCESS), ("EntityType", TASK), ("EntityType", f"{PROCESS}_РезультатыСогласования"),
    ("EntityType", f"{TASK}_ОбъектыСогласования"), ("ComplexType", f"{PROCESS}_РезультатыСогласования_RowType"),
    ("ComplexType", f"{TASK}_ОбъектыСогласования_RowType"),
])
def test_layout_matches_the_real_dump(ours, dump, tag, name):
    assert layout(ours, tag, name) == layout(dump, tag, name)


def test_standard_properties_in_the_dumps_order(ours):
    names = [p[0] for p in layout(ours, "EntityType", PROCESS)[2]]
    assert names[:8] == ["Ref_Key", "DataVersion", "Number", "Date", "DeletionMark", "Completed", "Started", "HeadTask"]
    assert names[-2:] == ["HeadTask_Type", "Предмет_Type"]
    names = [p[0] for p in layout(ours, "EntityType", TASK)[2]]
    assert names[:9] == ["Ref_Key", "DataVersion", "Description", "Number", "Date", "DeletionMark",
                         "BusinessProcess", "RoutePoint", "Executed"]


@pytest.mark.parametrize("action, binding", [("Start", PROCESS), ("ExecuteTask", TASK)])
def test_actions_are_function_imports_as_in_the_dump(ours, dump, action, binding):
    def function(schema):
        found = [f for f in schema.iter(f"{E}FunctionImport") if f.get("Name") == action
                 and f.find(f"{E}Parameter").get("Type") == f"StandardODATA.{binding}"]
        assert len(found) == 1
        f = found[0]
        return (dict(f.attrib), [dict(p.attrib) for p in f.findall(f"{E}Parameter")])

    assert function(ours) == function(dump)
