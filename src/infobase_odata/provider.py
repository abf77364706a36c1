"""The storage Protocols under their former module name; see :mod:`infobase_odata.stores`.

    from infobase_odata.provider import QueryResult, Row
"""

from .stores import (
    STORES, BulkLoader, ConstantStore, Key, ObjectReader, ObjectWriter, QueryResult, ReadProvider,
    RecordSetStore, RegisterProvider, Row, VirtualTableStore, WriteProvider, capabilities, key_of,
)

__all__ = ["STORES", "BulkLoader", "ConstantStore", "Key", "ObjectReader", "ObjectWriter", "QueryResult",
           "ReadProvider", "RecordSetStore", "RegisterProvider", "Row", "VirtualTableStore", "WriteProvider",
           "capabilities", "key_of"]
