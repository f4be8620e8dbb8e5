"""应急广播 messages (GY/T 385): the EBD envelope around one EBM, as XML.

EBD {EBDVersion, EBDID, EBDType, SRC/DEST EBRID, EBDTime} contains EBM {EBMID,
RelatedEBM, MsgBasicInfo {MsgType, SenderName, SenderCode, SentTime, EventType,
Severity, StartTime, EndTime}, MsgContent {LanguageCode, MsgTitle, MsgDesc, AreaCode,
Auxiliary}}. MsgType 1 asks to broadcast, 2 cancels an earlier EBM (RelatedEBM).
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from collections.abc import Mapping
from typing import Any

EBD_VERSION = "1"
MSG_BROADCAST = "1"
MSG_CANCEL = "2"


# characters XML 1.0 forbids: ElementTree writes them, and the gateway's parser refuses
# the whole message (a control character pasted into the body text would stop the alert)
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def _sub(parent: ET.Element, tag: str, text: Any = None) -> ET.Element:
    el = ET.SubElement(parent, tag)
    if text is not None:
        el.text = _NOT_XML.sub("", str(text))
    return el


def ebd_xml(f: Mapping[str, Any]) -> bytes:
    """The EBD document for a variant's fields (UTF-8, with declaration)."""
    root = ET.Element("EBD")
    _sub(root, "EBDVersion", EBD_VERSION)
    _sub(root, "EBDID", f["ebd_id"])
    _sub(root, "EBDType", "EBM")
    src = _sub(root, "SRC")
    _sub(src, "EBRID", f["src_ebrid"])
    dest = _sub(root, "DEST")
    _sub(dest, "EBRID", f["dest_ebrid"])
    _sub(root, "EBDTime", f["sent_time"])
    ebm = _sub(root, "EBM")
    _sub(ebm, "EBMVersion", EBD_VERSION)
    _sub(ebm, "EBMID", f["ebm_id"])
    if f.get("related_ebm_id"):
        related = _sub(ebm, "RelatedEBM")
        _sub(related, "EBMID", f["related_ebm_id"])
    basic = _sub(ebm, "MsgBasicInfo")
    for tag, key in (
        ("MsgType", "msg_type"),
        ("SenderName", "sender_name"),
        ("SenderCode", "sender_code"),
        ("SentTime", "sent_time"),
        ("EventType", "event_type"),
        ("Severity", "severity"),
        ("StartTime", "start_time"),
        ("EndTime", "end_time"),
    ):
        _sub(basic, tag, f.get(key, ""))
    content = _sub(ebm, "MsgContent")
    _sub(content, "LanguageCode", f.get("language_code", "zho"))
    _sub(content, "MsgTitle", f["title"])
    _sub(content, "MsgDesc", f["desc"])
    _sub(content, "AreaCode", ",".join(f.get("area_codes") or []))
    for aux in f.get("auxiliary") or []:
        a = _sub(content, "Auxiliary")
        _sub(a, "AuxiliaryType", aux["type"])
        _sub(a, "Size", aux["size"])
        _sub(a, "Digest", aux["digest"])
    return ET.tostring(root, encoding="utf-8", xml_declaration=True)


def signature_xml(ebd_id: str, cert_sn: str, signature_b64: str) -> bytes:
    """The detached signature document (EBDS) that travels with an EBD."""
    root = ET.Element("Signature")
    related = _sub(root, "RelatedEBD")
    _sub(related, "EBDID", ebd_id)
    _sub(root, "CertSN", cert_sn)
    _sub(root, "SignatureAlgorithm", "SM2-SM3")
    _sub(root, "SignatureValue", signature_b64)
    return ET.tostring(root, encoding="utf-8", xml_declaration=True)
