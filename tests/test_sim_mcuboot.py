# Copyright (c) 2026 Degu contributors
# SPDX-License-Identifier: Apache-2.0
"""The simulated MCUboot: trailer decoding, the swap table, test swap, revert, confirm."""

from __future__ import annotations

import hashlib
import struct

import pytest
from degutool.errors import ImageError
from degutool.sim import mcuboot
from degutool.sim.mcuboot import Flag, Magic, Slots, SwapType

from .simkit import make_image

SIZE = mcuboot.SLOT_SIZE


def _trailer(magic: bytes | None, image_ok: int = 0xFF, copy_done: int = 0xFF) -> bytearray:
    slot = mcuboot.erased_slot(SIZE)
    if magic is not None:
        slot[SIZE - 16 :] = magic
    slot[SIZE - 24] = image_ok
    slot[SIZE - 32] = copy_done
    return slot


GOOD = mcuboot.BOOT_MAGIC
BAD = bytes(16)


@pytest.mark.parametrize(
    ("primary", "secondary", "expected"),
    [
        (_trailer(None), _trailer(None), SwapType.NONE),
        (_trailer(None), _trailer(GOOD), SwapType.TEST),
        (_trailer(GOOD, image_ok=1), _trailer(GOOD), SwapType.TEST),
        (_trailer(None), _trailer(GOOD, image_ok=1), SwapType.PERM),
        (_trailer(GOOD, copy_done=1), _trailer(None), SwapType.REVERT),
        (_trailer(GOOD, image_ok=1, copy_done=1), _trailer(None), SwapType.NONE),
        (_trailer(GOOD, copy_done=0xFF), _trailer(None), SwapType.NONE),
        (_trailer(GOOD, copy_done=1), _trailer(BAD), SwapType.NONE),
        (_trailer(None), _trailer(BAD), SwapType.NONE),
        (_trailer(GOOD, image_ok=2, copy_done=1), _trailer(None), SwapType.NONE),
    ],
)
def test_swap_table(primary: bytearray, secondary: bytearray, expected: SwapType) -> None:
    got = mcuboot.swap_type(mcuboot.read_trailer(primary), mcuboot.read_trailer(secondary))
    assert got is expected


def test_trailer_fields_at_mcuboot_offsets() -> None:
    slot = mcuboot.erased_slot(SIZE)
    mcuboot.request_upgrade(slot)
    assert slot[SIZE - 16 :] == GOOD
    # swap_info: image 0, BOOT_SWAP_TYPE_TEST, padded to the 8-byte write unit.
    assert slot[SIZE - 40 : SIZE - 32] == b"\x02" + b"\xff" * 7
    assert slot[SIZE - 24 : SIZE - 16] == b"\xff" * 8
    state = mcuboot.read_trailer(slot)
    assert (state.magic, state.swap_type, state.image_ok) == (Magic.GOOD, SwapType.TEST, Flag.UNSET)
    mcuboot.confirm(slot)
    assert slot[SIZE - 24 : SIZE - 16] == b"\x01" + b"\xff" * 7


def test_image_parse_matches_imgtool(tmp_path) -> None:
    image = make_image(tmp_path, "a", "1.2.3+4")
    slot = mcuboot.erased_slot(SIZE)
    slot[: len(image)] = image
    info = mcuboot.parse_image(slot)
    assert info.version == "1.2.3+4"
    assert info.header_size == 0x200
    assert info.image_size == 0x200 + 3000 - 0x200
    assert info.total_size == len(image)
    assert info.sha256 == hashlib.sha256(image[: 0x200 + info.image_size]).digest()


def _corrupt_magic(image: bytearray) -> None:
    image[0:4] = b"\x00\x00\x00\x00"


def _corrupt_payload(image: bytearray) -> None:
    image[0x300] ^= 0xFF


def _oversize(image: bytearray) -> None:
    image[12:16] = struct.pack("<I", SIZE)


def _drop_tlvs(image: bytearray) -> None:
    hdr_size, img_size = (
        struct.unpack_from("<H", image, 8)[0],
        struct.unpack_from("<I", image, 12)[0],
    )
    image[hdr_size + img_size :] = b"\xff" * (len(image) - hdr_size - img_size)


@pytest.mark.parametrize(
    ("corrupt", "reason"),
    [
        (_corrupt_magic, "header magic is 0x00000000"),
        (_corrupt_payload, "image hash mismatch"),
        (_oversize, "the slot has room for"),
        (_drop_tlvs, "no TLV area"),
    ],
)
def test_invalid_slot1_is_erased_and_not_booted(tmp_path, corrupt, reason: str) -> None:
    old = make_image(tmp_path, "old", "1.0.0", seed=1)
    new = bytearray(make_image(tmp_path, "new", "2.0.0", seed=2))
    corrupt(new)
    slots = Slots(tmp_path)
    slots.program(0, old)
    slot1 = mcuboot.erased_slot(SIZE)
    slot1[: len(new)] = new
    mcuboot.request_upgrade(slot1)
    slots.write(1, slot1)

    result = mcuboot.boot(tmp_path)

    assert result.swap is SwapType.NONE
    assert reason in (result.rejected or "")
    assert result.image.version == "1.0.0+0"
    assert bytes(slots.read(0)[: len(old)]) == old
    assert slots.read(1) == mcuboot.erased_slot(SIZE)


def _stage(tmp_path, slots: Slots, image: bytes) -> None:
    slot1 = mcuboot.erased_slot(SIZE)
    slot1[: len(image)] = image
    mcuboot.request_upgrade(slot1)
    slots.write(1, slot1)


def test_test_swap_then_revert_when_unconfirmed(tmp_path) -> None:
    old = make_image(tmp_path, "old", "1.0.0", seed=1)
    new = make_image(tmp_path, "new", "2.0.0", payload_size=5000, seed=2)
    slots = Slots(tmp_path)
    slots.program(0, old)
    assert mcuboot.boot(tmp_path).swap is SwapType.NONE
    _stage(tmp_path, slots, new)

    first = mcuboot.boot(tmp_path)

    assert (first.swap, first.image.version) == (SwapType.TEST, "2.0.0+0")
    slot0, slot1 = slots.read(0), slots.read(1)
    assert bytes(slot0[: len(new)]) == new
    assert bytes(slot1[: len(old)]) == old
    state = mcuboot.read_trailer(slot0)
    assert (state.magic, state.image_ok, state.copy_done) == (Magic.GOOD, Flag.UNSET, Flag.SET)
    assert state.swap_type is SwapType.TEST
    assert mcuboot.read_trailer(slot1).magic is Magic.UNSET

    second = mcuboot.boot(tmp_path)

    assert (second.swap, second.image.version) == (SwapType.REVERT, "1.0.0+0")
    slot0 = slots.read(0)
    assert bytes(slot0[: len(old)]) == old
    assert bytes(slots.read(1)[: len(new)]) == new
    assert mcuboot.read_trailer(slot0).image_ok is Flag.SET
    assert mcuboot.boot(tmp_path).swap is SwapType.NONE


def test_confirmed_trial_image_stays(tmp_path) -> None:
    old = make_image(tmp_path, "old", "1.0.0", seed=1)
    new = make_image(tmp_path, "new", "2.0.0", seed=2)
    slots = Slots(tmp_path)
    slots.program(0, old)
    _stage(tmp_path, slots, new)
    assert mcuboot.boot(tmp_path).swap is SwapType.TEST
    slot0 = slots.read(0)
    mcuboot.confirm(slot0)
    slots.write(0, slot0)

    again = mcuboot.boot(tmp_path)

    assert (again.swap, again.image.version) == (SwapType.NONE, "2.0.0+0")
    assert bytes(slots.read(0)[: len(new)]) == new


def test_no_bootable_image_in_slot0(tmp_path) -> None:
    with pytest.raises(ImageError, match="header magic is 0xffffffff"):
        mcuboot.boot(tmp_path)


def test_slot_file_of_wrong_size_is_refused(tmp_path) -> None:
    (tmp_path / "slot0.bin").write_bytes(b"\xff" * 100)
    with pytest.raises(ImageError, match="holds 100 bytes, a slot holds 450560"):
        mcuboot.boot(tmp_path)


@pytest.mark.parametrize(("spare", "fits"), [(0, True), (-4, False)])
def test_image_must_end_before_the_trailer(tmp_path, spare: int, fits: bool) -> None:
    # Unsigned imgtool image: 0x200 header, payload, TLV info (4) + SHA256 TLV (4 + 32).
    room = SIZE - mcuboot.TRAILER_SIZE
    image = make_image(tmp_path, "edge", "1.0.0", payload_size=room - 0x200 - 40 - spare)
    assert len(image) == room - spare
    slot = mcuboot.erased_slot(SIZE)
    slot[: len(image)] = image
    if fits:
        assert mcuboot.parse_image(slot).total_size == room
    else:
        with pytest.raises(ImageError, match=f"past the room the slot has \\(0x{room:x}\\)"):
            mcuboot.parse_image(slot)
