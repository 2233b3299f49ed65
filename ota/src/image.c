/*
 * Copyright (c) 2026 Degu contributors
 * SPDX-License-Identifier: Apache-2.0
 */

/*
 * The MCUboot image in a slot: header, TLV infos and the MD5 over the exact released bytes.
 *
 * Layout (MCUboot's image.h): a 32-byte little-endian header at offset 0 (magic, load address,
 * hdr_size, protect_tlv_size, img_size, flags, version), the payload up to hdr_size + img_size,
 * then, when protect_tlv_size is not 0, the protected TLV area (info magic 0x6908, its tlv_tot
 * equals protect_tlv_size), then the unprotected TLV area (info magic 0x6907, tlv_tot counting
 * its 4-byte info).  What follows is erased flash and the MCUboot trailer, not the image.
 */

#include <errno.h>
#include <string.h>

#include "digest.h"
#include "ota_log.h"
#include "ota_priv.h"

OTA_LOG_MODULE_REGISTER(ota_image);

static uint16_t get_le16(const uint8_t *p)
{
	return (uint16_t)(p[0] | (p[1] << 8));
}

static uint32_t get_le32(const uint8_t *p)
{
	return (uint32_t)p[0] | ((uint32_t)p[1] << 8) | ((uint32_t)p[2] << 16) |
	       ((uint32_t)p[3] << 24);
}

int ota_image_header_decode(const uint8_t *hdr, struct ota_image_info *info)
{
	memset(info, 0, sizeof(*info));
	if (get_le32(hdr) != OTA_IMAGE_MAGIC) {
		return -ENOENT;
	}

	info->hdr_size = get_le16(hdr + 8);
	info->protect_tlv_size = get_le16(hdr + 10);
	info->img_size = get_le32(hdr + 12);
	info->major = hdr[20];
	info->minor = hdr[21];
	info->revision = get_le16(hdr + 22);
	info->build = get_le32(hdr + 24);

	if (info->hdr_size < OTA_IMAGE_HEADER_SIZE) {
		return -EBADMSG;
	}
	return 0;
}

static int read_tlv_info(const struct ota_port *port, enum ota_slot slot, size_t slot_size,
			 uint64_t off, uint16_t *magic, uint16_t *tot)
{
	uint8_t buf[4];
	int ret;

	if (off + sizeof(buf) > slot_size) {
		return -EFBIG;
	}
	ret = port->slot_read(port->ctx, slot, (size_t)off, buf, sizeof(buf));
	if (ret < 0) {
		return ret;
	}
	*magic = get_le16(buf);
	*tot = get_le16(buf + 2);
	return 0;
}

int ota_image_parse(const struct ota_port *port, enum ota_slot slot, struct ota_image_info *info)
{
	uint8_t hdr[OTA_IMAGE_HEADER_SIZE];
	size_t slot_size;
	uint64_t off;
	uint16_t magic;
	uint16_t tot;
	int ret;

	ret = port->slot_size(port->ctx, slot, &slot_size);
	if (ret < 0) {
		return ret;
	}

	ret = port->slot_read(port->ctx, slot, 0, hdr, sizeof(hdr));
	if (ret < 0) {
		return ret;
	}

	ret = ota_image_header_decode(hdr, info);
	if (ret < 0) {
		return ret;
	}

	/* 64-bit sums: a header from the network must not wrap the offsets. */
	off = (uint64_t)info->hdr_size + info->img_size;
	if (info->protect_tlv_size != 0) {
		ret = read_tlv_info(port, slot, slot_size, off, &magic, &tot);
		if (ret < 0) {
			return ret;
		}
		if (magic != OTA_IMAGE_TLV_PROT_MAGIC || tot != info->protect_tlv_size) {
			return -EBADMSG;
		}
		off += info->protect_tlv_size;
	}

	ret = read_tlv_info(port, slot, slot_size, off, &magic, &tot);
	if (ret < 0) {
		return ret;
	}
	if (magic != OTA_IMAGE_TLV_INFO_MAGIC || tot < 4) {
		return -EBADMSG;
	}
	info->tlv_size = tot;
	off += tot;
	if (off > slot_size) {
		return -EFBIG;
	}

	info->length = (uint32_t)off;
	return 0;
}

int ota_image_digest(const struct ota_port *port, enum ota_slot slot, uint8_t *buf, size_t buf_len,
		     struct ota_image_info *info, uint8_t digest[OTA_MD5_SIZE])
{
	struct ota_md5 md5;
	uint32_t off = 0;
	int ret;

	ret = ota_image_parse(port, slot, info);
	if (ret < 0) {
		return ret;
	}

	ret = ota_md5_start(&md5);
	if (ret < 0) {
		return ret;
	}

	while (off < info->length) {
		size_t n = info->length - off;

		if (n > buf_len) {
			n = buf_len;
		}
		ret = port->slot_read(port->ctx, slot, off, buf, n);
		if (ret < 0) {
			ota_md5_abort(&md5);
			return ret;
		}
		ret = ota_md5_update(&md5, buf, n);
		if (ret < 0) {
			ota_md5_abort(&md5);
			return ret;
		}
		off += n;
	}

	return ota_md5_finish(&md5, digest);
}

static size_t put_uint(char *out, size_t pos, size_t size, uint32_t value, char sep)
{
	char digits[11];
	size_t n = ota_format_uint(digits, value);
	size_t i;

	for (i = 0; i < n && pos + 1 < size; i++) {
		out[pos++] = digits[i];
	}
	if (sep != '\0' && pos + 1 < size) {
		out[pos++] = sep;
	}
	return pos;
}

void ota_image_version(const struct ota_image_info *info, char *out, size_t size)
{
	size_t pos = 0;

	if (size == 0) {
		return;
	}
	pos = put_uint(out, pos, size, info->major, '.');
	pos = put_uint(out, pos, size, info->minor, '.');
	pos = put_uint(out, pos, size, info->revision, '+');
	pos = put_uint(out, pos, size, info->build, '\0');
	out[pos] = '\0';
}
