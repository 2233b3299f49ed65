# Copyright (c) 2026 Degu contributors
# SPDX-License-Identifier: Apache-2.0
"""The flash layout: devicetree parsing, the built-in copy, and the board file kept equal."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from degutool import layout
from degutool.errors import LayoutError

REPO = Path(__file__).resolve().parent.parent
BOARD_DTS = REPO / "boards" / "arm" / "degu" / "degu.dts"

# As a board file writes it: labels, phandle names, zero-padded cells.
BOARD_STYLE = """
&flash0 {
	partitions {
		compatible = "fixed-partitions";
		#address-cells = <1>;
		#size-cells = <1>;

		boot_partition: partition@0 {
			label = "mcuboot";
			reg = <0x00000000 0x00014000>;
		};
		slot0_partition: partition@14000 {
			label = "image-0";
			reg = <0x00014000 0x0006e000>;
		};
		slot1_partition: partition@82000 {
			label = "image-1";
			reg = <0x00082000 0x0006e000>;
		};
		scratch_partition: partition@f0000 {
			label = "image-scratch";
			reg = <0x000f0000 0x00008000>;
		};
		storage_partition: partition@f8000 {
			label = "storage";
			reg = <0x000f8000 0x00004000>;
		};
		thread_partition: partition@fc000 {
			label = "thread";
			reg = <0x000fc000 0x00004000>;
		};
	};
};
"""

# As a build's zephyr.dts prints it: spaces inside < >, a node without a label, decimals.
ZEPHYR_STYLE = """
	partitions {
		compatible = "fixed-partitions";
		#address-cells = < 0x1 >;
		boot_partition: partition@0 {
			label = "mcuboot";
			reg = < 0x0 0x10000 >;
			read-only;
		};
		partition@10000 {
			reg = < 0x10000 0x1000 >;
		};
		storage_partition: partition@f0000 {
			label = "storage";
			reg = < 983040 65536 >;
		};
	};
"""


def test_board_style_text_gives_the_default_layout() -> None:
    assert layout.parse_dts(BOARD_STYLE) == layout.DEFAULT


@pytest.mark.parametrize(
    "label, offset, size",
    [("mcuboot", 0x0, 0x10000), ("storage", 0xF0000, 0x10000)],
)
def test_zephyr_style_text(label: str, offset: int, size: int) -> None:
    parsed = layout.parse_dts(ZEPHYR_STYLE, "zephyr.dts")
    assert sorted(parsed.partitions) == ["mcuboot", "storage"]  # the unlabelled node is skipped
    assert parsed[label] == layout.Partition(label, offset, size)


def test_no_partitions_is_refused() -> None:
    with pytest.raises(LayoutError, match="^zephyr.dts: no fixed partitions with label and reg"):
        layout.parse_dts("/ { chosen { }; };", "zephyr.dts")


def test_unknown_label_names_the_labels_there_are() -> None:
    parsed = layout.parse_dts(ZEPHYR_STYLE)
    with pytest.raises(LayoutError, match=r"no partition labelled 'image-0'; the layout has"):
        _ = parsed.slot0


def test_load(tmp_path: Path) -> None:
    dts = tmp_path / "zephyr.dts"
    dts.write_text(ZEPHYR_STYLE)
    assert layout.load(None) is layout.DEFAULT
    assert layout.load(dts).storage == layout.Partition("storage", 0xF0000, 0x10000)
    with pytest.raises(LayoutError, match=f"{tmp_path}/none.dts: cannot read devicetree"):
        layout.load(tmp_path / "none.dts")


def test_default_covers_the_flash_in_page_aligned_partitions() -> None:
    parts = sorted(layout.DEFAULT.partitions.values(), key=lambda p: p.offset)
    assert parts[0].offset == 0 and parts[-1].end == layout.FLASH_SIZE
    assert all(a.end == b.offset for a, b in zip(parts, parts[1:], strict=False))
    assert all(p.offset % layout.FLASH_PAGE == 0 and p.size % layout.FLASH_PAGE == 0 for p in parts)
    assert layout.DEFAULT.slot0.size == layout.DEFAULT.slot1.size


def test_board_devicetree_equals_the_builtin_layout() -> None:
    """The one definition (the board file) and degutool's copy must not drift apart."""
    assert BOARD_DTS.is_file(), f"{BOARD_DTS} is missing: the board belongs to the firmware"
    # The partitions may sit in a .dtsi of the board folder that degu.dts includes.
    text = BOARD_DTS.read_text()
    for name in re.findall(r'^#include\s+"([^"]+)"', text, re.MULTILINE):
        if (BOARD_DTS.parent / name).is_file():
            text += (BOARD_DTS.parent / name).read_text()
    assert layout.parse_dts(text, str(BOARD_DTS)) == layout.DEFAULT


def _dts(*parts: tuple[str, int, int]) -> str:
    body = "".join(
        f'\tpartition@{off:x} {{\n\t\tlabel = "{label}";\n'
        f"\t\treg = <0x{off:x} 0x{size:x}>;\n\t}};\n"
        for label, off, size in parts
    )
    return f"partitions {{\n{body}}};\n"


#: (case, partitions, message): layouts read from a devicetree that must be refused.
BAD_LAYOUTS = [
    ("overlap", [("mcuboot", 0x0, 0x14000), ("image-0", 0x10000, 0x6E000)],
     "x.dts: partitions mcuboot (0x000000-0x013fff) and image-0 (0x010000-0x07dfff) overlap at "
     "0x010000-0x013fff: fix their reg so that each range is its own"),
    ("inside-another", [("image-0", 0x14000, 0x6E000), ("storage", 0x20000, 0x4000)],
     "x.dts: partitions image-0 (0x014000-0x081fff) and storage (0x020000-0x023fff) overlap "
     "at 0x020000-0x023fff: fix their reg so that each range is its own"),
    ("same-start", [("a", 0xF8000, 0x4000), ("b", 0xF8000, 0x2000)],
     "x.dts: partitions b (0x0f8000-0x0f9fff) and a (0x0f8000-0x0fbfff) overlap at "
     "0x0f8000-0x0f9fff: fix their reg so that each range is its own"),
    ("past-flash", [("storage", 0xFC000, 0x8000)],
     "x.dts: partition storage (0x0fc000-0x103fff) lies outside the nRF52840's 1024 KB of flash "
     "(0x000000-0x0fffff): fix its reg"),
    ("empty", [("storage", 0xF8000, 0)],
     "x.dts: partition storage at 0x0f8000 has size 0: give it a size in its reg"),
]  # fmt: skip


@pytest.mark.parametrize(("parts", "message"), [pytest.param(*r[1:], id=r[0]) for r in BAD_LAYOUTS])
def test_bad_layouts_are_refused(parts, message: str, tmp_path: Path) -> None:
    dts = tmp_path / "x.dts"
    dts.write_text(_dts(*parts))
    with pytest.raises(LayoutError) as e:
        layout.parse_dts(dts.read_text(), "x.dts")
    assert str(e.value) == message
    with pytest.raises(LayoutError) as e:
        layout.load(dts)
    assert str(e.value) == message.replace("x.dts", str(dts))


def test_default_layout_validates() -> None:
    assert layout.validate(layout.DEFAULT) is layout.DEFAULT


def test_cli_names_both_partitions(tmp_path: Path) -> None:
    from .helpers import run

    dts = tmp_path / "zephyr.dts"
    dts.write_text(_dts(("storage", 0xF8000, 0x4000), ("thread", 0xFA000, 0x4000)))
    result = run("storage", "-o", tmp_path / "s.img", "--dts", dts)
    assert (result.exit_code, result.stderr) == (
        1,
        f"degutool: error: {dts}: partitions storage (0x0f8000-0x0fbfff) and thread "
        "(0x0fa000-0x0fdfff) overlap at 0x0fa000-0x0fbfff: fix their reg so that each range "
        "is its own\n",
    )
    assert sorted(p.name for p in tmp_path.iterdir()) == ["zephyr.dts"]
