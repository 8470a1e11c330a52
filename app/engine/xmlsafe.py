"""Safe XML parsing for uploaded BPMN: no DOCTYPE, no entities, no network, bounded size."""
from __future__ import annotations

from lxml import etree

from app.core.errors import ProcessError


class UnsafeXml(ProcessError):
    pass


def parse_xml(data: bytes, *, max_bytes: int, filename: str = "<upload>") -> etree._Element:
    if len(data) > max_bytes:
        raise UnsafeXml(f"{filename}: 文件过大（{len(data)} 字节，上限 {max_bytes} 字节）")
    if not data.strip():
        raise UnsafeXml(f"{filename}: 文件为空")
    # Refuse any DTD outright, before the parser sees it: internal entities would still expand.
    head = data[:4096].lower()
    if b"<!doctype" in head or b"<!entity" in data.lower():
        raise UnsafeXml(f"{filename}: 不允许 DOCTYPE 或实体声明（DOCTYPE/ENTITY declarations are not allowed）")
    parser = etree.XMLParser(
        resolve_entities=False, load_dtd=False, no_network=True, dtd_validation=False,
        huge_tree=False, remove_comments=False,
    )
    try:
        root = etree.fromstring(data, parser=parser)
    except etree.XMLSyntaxError as exc:
        raise UnsafeXml(f"{filename}: XML 格式错误，第 {exc.lineno} 行：{exc.msg}") from None
    if root.getroottree().docinfo.doctype:
        raise UnsafeXml(f"{filename}: 不允许 DOCTYPE 声明")
    return root


def xml_text(data: bytes, root: etree._Element) -> str:
    """The text to store for an uploaded document `data` that parse_xml turned into `root`.
    UTF-8 uploads are kept as they are; any other declared encoding (UTF-16, GBK, Latin-1…) is
    re-serialised with a UTF-8 declaration, since stored XML is read back as UTF-8."""
    encoding = (root.getroottree().docinfo.encoding or "UTF-8").upper().replace("_", "-")
    if encoding in ("UTF-8", "UTF8"):
        try:
            return data.decode("utf-8")
        except UnicodeDecodeError:  # undeclared, told by its byte-order mark (UTF-16)
            pass
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + etree.tostring(root.getroottree(), encoding="unicode")
