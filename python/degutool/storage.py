# Copyright (c) 2026 Degu contributors
# SPDX-License-Identifier: Apache-2.0
"""The FAT12 volume of the storage partition: ``main.py`` and ``CONFIG`` (DESIGN.md).

The volume is made by pyfatfs, never assembled by hand here.  Its geometry, and why:

- 512-byte sectors: the smallest sector FatFs takes (``FF_MIN_SS``) and what Zephyr's flash
  disk reports for this partition; FatFs refuses a volume whose BPB sector size differs from
  the disk's.
- FAT12, two FATs, one reserved sector, 1-sector clusters, 224 root entries, media 0xF8: what
  pyfatfs 1.1.0's ``mkfs`` chooses for a volume this small (it fixes the root directory at the
  floppy default of 224 entries; it offers no option to shrink it).  FatFs's mount checks all
  hold: power-of-two cluster size, 1 or 2 FATs, a non-zero reserved area, a root directory
  that fills whole sectors (224 * 32 = 14 sectors), and a cluster count (15 for 32 sectors)
  within FAT12's.  Two FATs so that a host over USB mass storage finds the usual layout.

TODO: FatFs R0.14b (Zephyr's fatfs module since June 2021, so in the Zephyr 3.1 west.yml
pins), R0.15 and R0.16 recognise a FAT12/16 volume only when its BPB says 128 sectors or more
(check_fs; R0.16 patch 1 lowers that to 64 sectors with more than 32 clusters), and f_mkfs
refuses smaller volumes too; no geometry makes the layout's 16 KB (32 sectors) pass, so the
device will not mount this volume until the storage partition grows to 64 KB (the firmware
sets CONFIG_FS_FATFS_MOUNT_MKFS=n, so it will not format one either).  tests/test_storage.py
shows it with ChaN's FatFs (fatfs-ng).  The lead owns the layout; :func:`build_volume` warns
until then.

TODO: the files' timestamps are the time of the build (pyfatfs stamps entries with the
current time and takes no other), so two volumes from the same files differ in those bytes;
the volume ID, the layout and the contents are reproducible.
"""

from __future__ import annotations

import hashlib
import logging
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from pyfatfs.PyFat import PyFat
from pyfatfs.PyFatFS import PyFatFS

from . import layout as layout_mod
from .errors import InputError, LayoutError
from .fileio import write_atomic

log = logging.getLogger(__name__)

SECTOR_SIZE = 512
NUM_FATS = 2
VOLUME_LABEL = "DEGU"
#: Smallest FAT12/16 volume (in sectors) that FatFs R0.14b to R0.16 recognise when mounting.
FATFS_MIN_SECTORS = 128

#: Names on the volume, as the device's firmware opens them.
SCRIPT_NAME = "main.py"
CONFIG_NAME = "CONFIG"


@dataclass(frozen=True)
class Geometry:
    """What pyfatfs made of a partition: sizes in bytes and clusters."""

    volume_size: int
    cluster_size: int
    data_clusters: int
    root_entries: int

    @property
    def capacity(self) -> int:
        """Bytes available for file contents in an empty volume (whole clusters)."""
        return self.cluster_size * self.data_clusters

    def allocated(self, size: int) -> int:
        """Bytes a file of ``size`` bytes occupies on the volume (rounded up to clusters)."""
        return self.clusters(size) * self.cluster_size

    def clusters(self, size: int) -> int:
        """Clusters a file of ``size`` bytes occupies on the volume."""
        return -(-size // self.cluster_size)


def _mkfs(path: Path, size: int, volume_id: int) -> None:
    if size % SECTOR_SIZE:
        raise LayoutError(
            f"storage partition is {size} bytes, not a whole number of {SECTOR_SIZE}-byte "
            "sectors: fix its size in the board devicetree"
        )
    path.write_bytes(b"")
    fat = PyFat()
    try:
        fat.mkfs(
            str(path),
            PyFat.FAT_TYPE_FAT12,
            size=size,
            sector_size=SECTOR_SIZE,
            number_of_fats=NUM_FATS,
            label=VOLUME_LABEL,
            volume_id=volume_id,
        )
    finally:
        fat.close()


def _geometry_of(fs: PyFatFS, size: int) -> Geometry:
    fat = fs.fs
    bpb = fat.bpb_header
    total = bpb["BPB_TotSec16"] or bpb["BPB_TotSec32"]
    clusters = (total - fat.first_data_sector) // bpb["BPB_SecPerClus"]
    return Geometry(size, fat.bytes_per_cluster, clusters, bpb["BPB_RootEntCnt"])


def geometry(layout: layout_mod.Layout = layout_mod.DEFAULT) -> Geometry:
    """The geometry of an empty volume for the layout's storage partition."""
    size = layout.storage.size
    with tempfile.TemporaryDirectory(prefix="degu-fat-") as tmp:
        path = Path(tmp) / "empty.img"
        _mkfs(path, size, 1)
        fs = PyFatFS(str(path))
        try:
            return _geometry_of(fs, size)
        finally:
            fs.close()


def free_capacity(layout: layout_mod.Layout = layout_mod.DEFAULT) -> int:
    """Bytes free for file contents on an empty volume of the layout's storage partition.

    Files take whole clusters: compare the sum of :meth:`Geometry.allocated` of each file
    with this, as :func:`check_fits` does.
    """
    return geometry(layout).capacity


def check_fits(
    sizes: Mapping[str, int], layout: layout_mod.Layout = layout_mod.DEFAULT
) -> Geometry:
    """Raise :class:`LayoutError` unless files of these sizes (by name) fit on the volume."""
    geo = geometry(layout)
    needed = sum(geo.allocated(n) for n in sizes.values())
    if needed > geo.capacity:
        listing = ", ".join(f"{name} {n} bytes" for name, n in sizes.items())
        raise LayoutError(
            f"{listing}: they take {needed} bytes in {geo.cluster_size}-byte clusters; the "
            f"{geo.volume_size}-byte FAT volume holds {geo.capacity}: shorten the files"
        )
    return geo


def _count(n: int, noun: str) -> str:
    return f"{n} {noun}" if n == 1 else f"{n} {noun}s"


def check_update_fits(
    sizes: Mapping[str, int], layout: layout_mod.Layout = layout_mod.DEFAULT
) -> Geometry:
    """Raise :class:`LayoutError` unless files of these sizes (by name) can be installed over
    the air on a volume that holds them already.

    The device writes a new ``main.py`` or ``CONFIG`` to a temporary file (``main.new``,
    ``config.new``) beside the old one and replaces the old one only once the new one is
    verified (ota/src/install_file.c), one item at a time.  So the volume must hold both files
    plus a second copy of the larger: clusters(script) + clusters(config) + the larger of
    the two, within the empty volume's clusters.  The plain fit of :func:`check_fits` is what
    a volume written at the factory needs.

    TODO: the rule takes the files on the devices to be the size of the new ones; a device
    holding a larger old file needs more room, and a release cannot know what the devices
    hold (the shadow reports MD5s, not sizes).
    """
    geo = geometry(layout)
    clusters = {name: geo.clusters(n) for name, n in sizes.items()}
    needed = sum(clusters.values()) + max(clusters.values(), default=0)
    if needed > geo.data_clusters:
        listing = ", ".join(
            f"{name} {n} bytes ({_count(clusters[name], 'cluster')})" for name, n in sizes.items()
        )
        raise LayoutError(
            f"{listing}: an update over the air needs room for the old and the new file side "
            f"by side (the device writes main.new or config.new before it removes the old "
            f"one), {needed} clusters of {geo.cluster_size} bytes with the larger file counted "
            f"twice; the {geo.volume_size}-byte FAT volume holds {geo.data_clusters}: shorten "
            "the files"
        )
    return geo


def _fat_problem(data: bytes) -> str | None:
    """Why ``data`` is not a FAT boot sector describing a volume of ``len(data)`` bytes."""
    if len(data) < SECTOR_SIZE:
        return f"{len(data)} bytes, shorter than a boot sector"
    if data[510:512] != b"\x55\xaa":
        return "no boot sector signature 0x55aa at 0x1fe"
    if data[0] not in (0xEB, 0xE9):
        return f"no x86 jump at the start of the boot sector (0x{data[0]:02x})"
    bytes_per_sector = int.from_bytes(data[11:13], "little")
    if bytes_per_sector not in (512, 1024, 2048, 4096):
        return f"BPB sector size {bytes_per_sector}"
    sectors = int.from_bytes(data[19:21], "little") or int.from_bytes(data[32:36], "little")
    if sectors * bytes_per_sector != len(data):
        return f"its BPB gives {sectors * bytes_per_sector} bytes, the data is {len(data)}"
    return None


def is_volume(data: bytes, layout: layout_mod.Layout = layout_mod.DEFAULT) -> bool:
    """True when ``data`` is a FAT volume of exactly the storage partition's size."""
    return len(data) == layout.storage.size and _fat_problem(data) is None


def check_volume(data: bytes, source: str, layout: layout_mod.Layout = layout_mod.DEFAULT) -> None:
    """Refuse ``data`` unless it is a FAT volume of the storage partition's size."""
    size = layout.storage.size
    if len(data) != size:
        raise InputError(
            f"{source}: {len(data)} bytes; the FAT volume of the storage partition is {size}: "
            "make it with `degutool storage`"
        )
    problem = _fat_problem(data)
    if problem is not None:
        raise InputError(f"{source}: not a FAT volume ({problem}): make it with `degutool storage`")


def _read_inputs(script: Path | None, config: Path | None) -> dict[str, bytes]:
    files: dict[str, bytes] = {}
    for name, path in ((SCRIPT_NAME, script), (CONFIG_NAME, config)):
        if path is None:
            continue
        try:
            files[name] = path.read_bytes()
        except OSError as e:
            raise InputError(f"{path}: cannot read {name} ({e.strerror})") from e
    return files


def build_volume(
    files: Mapping[str, bytes], layout: layout_mod.Layout = layout_mod.DEFAULT
) -> bytes:
    """The bytes of a FAT12 volume for the storage partition holding ``files`` (name: data)."""
    size = layout.storage.size
    if size // SECTOR_SIZE < FATFS_MIN_SECTORS:
        log.warning(
            "storage partition is %d sectors; the device's FatFs mounts FAT volumes of %d "
            "sectors or more only (see docs/firmware.md, Known shortcomings)",
            size // SECTOR_SIZE,
            FATFS_MIN_SECTORS,
        )
    geo = check_fits({name: len(data) for name, data in files.items()}, layout)
    # A volume ID from the contents keeps the same inputs giving the same ID.
    digest = hashlib.sha256(b"".join(files.values())).digest()
    volume_id = int.from_bytes(digest[:4], "little") or 1

    with tempfile.TemporaryDirectory(prefix="degu-fat-") as tmp:
        path = Path(tmp) / "storage.img"
        _mkfs(path, size, volume_id)
        fs = PyFatFS(str(path))
        try:
            for name, data in files.items():
                with fs.openbin(f"/{name}", "w") as f:
                    f.write(data)
        finally:
            fs.close()
        image = path.read_bytes()

    # pyfatfs 1.1.0 allocates from the whole FAT sector, past the last cluster, and then
    # grows the file; check_fits prevents that, and this keeps it prevented.
    if len(image) != size:
        raise LayoutError(
            f"pyfatfs made a {len(image)}-byte volume for a {size}-byte partition "
            f"(capacity {geo.capacity} bytes)"
        )
    log.info("FAT12 volume: %s in %d of %d bytes", ", ".join(files) or "no files", size, size)
    return image


def write_volume(
    out: Path,
    script: Path | None,
    config: Path | None,
    layout: layout_mod.Layout = layout_mod.DEFAULT,
) -> bytes:
    """Build the volume from the files given and write it to ``out`` (complete or not at all)."""
    files = _read_inputs(script, config)
    paths = {SCRIPT_NAME: script, CONFIG_NAME: config}
    check_fits({str(paths[name]): len(data) for name, data in files.items()}, layout)
    image = build_volume(files, layout)
    write_atomic(out, image)
    return image
