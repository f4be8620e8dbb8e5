"""应急广播: EBD/EBM XML, SM2/SM3 signature verified, dual control required, cancel refers back."""

from __future__ import annotations

import io
import tarfile
import xml.etree.ElementTree as ET
from dataclasses import replace
from pathlib import Path

import pytest
from ronghub_sdk import StatusState
from ronghub_sdk.testing import ALERT, ChannelHarness

import plugins.emergency as emergency
from hub.transports import DirectoryDrop
from plugins.emergency import signing

KEY = signing.new_private_key()
PUBLIC = signing.public_key_for(KEY)
CONFIG = {
    "src_ebrid": "10433010000000000010101",
    "dest_ebrid": "10433010000000000000000",
    "signing": {"private_key_hex": KEY, "cert_sn": "CERT-0001"},
}
CONFIRMED = replace(
    ALERT,
    metadata={**ALERT.metadata, "dual_control_approvers": ["duty-officer-1", "duty-officer-2"]},
)


def unpack(data: bytes) -> dict[str, bytes]:
    with tarfile.open(fileobj=io.BytesIO(data)) as tar:
        return {m.name: tar.extractfile(m).read() for m in tar.getmembers()}  # type: ignore[union-attr]


def test_urgent_broadcast_without_two_different_approvers_is_refused() -> None:
    h = ChannelHarness(emergency, CONFIG)
    problems = h.validate(
        h.render(replace(ALERT, metadata={**ALERT.metadata, "dual_control_approvers": ["a", "a"]}))
    )
    assert [p.code for p in problems] == ["EMERGENCY_DUAL_CONTROL_REQUIRED"]
    assert "两名不同的值班负责人" in problems[0].message_zh
    assert h.validate(h.render(CONFIRMED)) == []


def test_area_codes_and_severity_follow_the_standards() -> None:
    h = ChannelHarness(emergency, CONFIG)
    problems = h.validate(h.render(CONFIRMED, {"area_codes": ["3301", "330100"], "severity": 7}))
    assert {p.code for p in problems} == {"EMERGENCY_AREA_CODE_FORMAT", "EMERGENCY_SEVERITY"}


async def test_delivered_package_carries_an_ebd_whose_sm2_signature_verifies(
    tmp_path: Path,
) -> None:
    h = ChannelHarness(emergency, CONFIG, transport=DirectoryDrop(tmp_path))
    variant = h.check(CONFIRMED)
    result = await h.adeliver(variant)
    files = unpack((tmp_path / f"EBD_{variant.get('ebd_id')}.tar").read_bytes())
    ebd_name = f"EBDB_{variant.get('ebd_id')}.xml"
    ebd = ET.fromstring(files[ebd_name])
    assert (
        ebd.findtext("EBDID") == variant.get("ebd_id") and len(variant.get("ebd_id")) == 2 + 23 + 16
    )
    assert ebd.findtext("EBM/MsgBasicInfo/MsgType") == "1"
    assert ebd.findtext("EBM/MsgBasicInfo/Severity") == "2"
    assert ebd.findtext("EBM/MsgContent/MsgTitle") == ALERT.title
    assert ebd.findtext("EBM/MsgContent/AreaCode") == "330100000000"
    sig = ET.fromstring(files[f"EBDS_{ebd_name}"])
    assert (
        sig.findtext("RelatedEBD/EBDID") == variant.get("ebd_id")
        and sig.findtext("CertSN") == "CERT-0001"
    )
    assert signing.verify(files[ebd_name], sig.findtext("SignatureValue") or "", PUBLIC)
    assert not signing.verify(
        files[ebd_name].replace("暴雨".encode(), "大风".encode()),
        sig.findtext("SignatureValue") or "",
        PUBLIC,
    )
    assert result.status.state is StatusState.ACCEPTED and result.external_id == variant.get(
        "ebm_id"
    )

    cancelled = await h.call(
        "retract", delivery=result, idempotency_key="cancel-1", reason="预警解除"
    )
    cancel_id = cancelled.details["cancel_ebd_id"]
    cancel = ET.fromstring(
        unpack((tmp_path / f"EBD_{cancel_id}.tar").read_bytes())[f"EBDB_{cancel_id}.xml"]
    )
    assert cancel.findtext("EBM/MsgBasicInfo/MsgType") == "2"
    assert cancel.findtext("EBM/RelatedEBM/EBMID") == variant.get("ebm_id")
    assert cancelled.status.state is StatusState.REMOVED


async def test_delivery_without_a_signing_key_is_a_permanent_failure(tmp_path: Path) -> None:
    from ronghub_sdk import PermanentDeliveryError

    h = ChannelHarness(
        emergency,
        {**CONFIG, "signing": {"private_key_hex": "", "cert_sn": ""}},
        transport=DirectoryDrop(tmp_path),
    )
    with pytest.raises(PermanentDeliveryError, match="signing key"):
        await h.adeliver(h.render(CONFIRMED))


def test_a_control_character_in_the_text_does_not_make_the_message_unreadable() -> None:
    from plugins.emergency.ebd import ebd_xml

    fields = {
        "ebd_id": "1",
        "src_ebrid": "s",
        "dest_ebrid": "d",
        "sent_time": "2026-01-01 00:00:00",
        "ebm_id": "m",
        "title": "暴雨\x0b预警",
        "desc": "请\x01注意\x00防范",
    }
    root = ET.fromstring(ebd_xml(fields))
    assert root.findtext("EBM/MsgContent/MsgTitle") == "暴雨预警"
    assert root.findtext("EBM/MsgContent/MsgDesc") == "请注意防范"
