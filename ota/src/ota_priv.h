/*
 * Copyright (c) 2026 Degu contributors
 * SPDX-License-Identifier: Apache-2.0
 */

/* Interfaces between the files of the core; not for callers. */

#ifndef DEGU_OTA_PRIV_H_
#define DEGU_OTA_PRIV_H_

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "degu_ota/ota.h"

/* --- text.c: bounded strings, hex, item names --- */

/* Copy at most len bytes of src; always NUL-terminates; non-printable bytes become '?'. */
void ota_text_copy(char *dst, size_t size, const char *src, size_t len);
void ota_text_set(char *dst, size_t size, const char *src);
/* Append src to the NUL-terminated dst, cutting it to fit. */
void ota_text_append(char *dst, size_t size, const char *src);
/* Lowercase hex of len bytes into out (2 * len + 1 bytes). */
void ota_hex_encode(const uint8_t *bin, size_t len, char *out);
/* Exactly 32 hex digits, either case, to 16 bytes. -EINVAL for anything else. */
int ota_md5_from_hex(const char *hex, size_t len, uint8_t digest[OTA_MD5_SIZE]);
/* Decimal digits of value into out (at least 11 bytes). Returns their count. */
size_t ota_format_uint(char *out, uint32_t value);
const char *ota_item_key(enum ota_item item);
const char *ota_item_file(enum ota_item item);
const char *ota_item_temp(enum ota_item item);

/* --- json_out.c: a bounded JSON writer --- */

#define JSON_OUT_DEPTH 8

struct json_out {
	char *buf;
	size_t cap;
	size_t len;
	bool overflow;
	int depth;
	bool first[JSON_OUT_DEPTH];
};

void json_out_init(struct json_out *out, char *buf, size_t cap);
void json_out_begin(struct json_out *out);
void json_out_end(struct json_out *out);
void json_out_key(struct json_out *out, const char *key);
void json_out_str(struct json_out *out, const char *value);
void json_out_uint(struct json_out *out, uint32_t value);
void json_out_null(struct json_out *out);
/* NUL-terminates. Returns the length, or -ENOSPC when the document did not fit. */
int json_out_finish(struct json_out *out);

/* --- state.c: the persisted record --- */

uint32_t ota_crc32(const void *data, size_t len);
void ota_state_reset(struct ota_state *state);
/* Load the record; a missing or invalid one gives a fresh record. */
int ota_state_load(struct ota *ota);
int ota_state_save(struct ota *ota);
/* The item was installed from url: keep the URL, clear its failure (its attempts stay until
 * ota_state_forget() finds it current).
 */
void ota_state_installed(struct ota_state *state, enum ota_item item, const char *url);
/* Drop the item's failure record (digest tried, attempts, error); true when there was one. */
bool ota_state_forget(struct ota_state *state, enum ota_item item);

/* --- shadow_desired.c --- */

/*
 * Parse a desired document (whole shadow document, update/status answer or a delta
 * {"state":{...}}) into desired, which holds the state to merge a delta into.
 * On error desired is unchanged and ota->reason says why.
 * -EINVAL for a malformed document, -EFBIG for an oversized one.
 */
int ota_desired_parse(struct ota *ota, const char *doc, size_t len, struct ota_desired *desired);
/* The document POSTed to update/<item>: {"state":{"desired":{...}}}. Returns its length. */
int ota_desired_build(const struct ota_desired *desired, char *buf, size_t cap);

/* --- shadow_reported.c --- */

/* What ota.items of the reported document carries. */
enum ota_report_items {
	/* each item's failure record, null for an item without one */
	OTA_REPORT_RECORDS,
	/* only the nulls (left out when every item has a record): the fallback for a long one */
	OTA_REPORT_NULLS,
	/* no ota.items */
	OTA_REPORT_NO_ITEMS,
};

/* The reported document of docs/protocol.md. Returns its length, -ENOSPC when over cap. */
int ota_reported_build(const struct ota *ota, enum ota_report_items items, char *buf, size_t cap);

/* --- decide.c --- */

enum ota_decision {
	OTA_DECIDE_ABSENT,  /* no *_ver in desired: nothing to do */
	OTA_DECIDE_SAME,    /* *_ver equals what is installed */
	OTA_DECIDE_FETCH,   /* differs: fetch and install */
	OTA_DECIDE_HELD,    /* differs, but the retry bound for that digest is reached */
	OTA_DECIDE_BAD_VER, /* *_ver present but not 32 hex digits */
	OTA_DECIDE_NO_URL,  /* *_ver without a URL */
	OTA_DECIDE_BAD_URL, /* URL present but not a string or too long */
};

enum ota_decision ota_decide(const struct ota *ota, const struct ota_desired *desired,
			     enum ota_item item);
const char *ota_decision_reason(enum ota_decision decision);

/* --- gateway.c --- */

/* ota->path = "<prefix><item>/<eui64>" (item may be NULL: "<prefix><eui64>"). */
void ota_gw_path(struct ota *ota, const char *prefix, const char *item);
int ota_gw_request(struct ota *ota, enum ota_coap_method method, const void *payload,
		   size_t payload_len, const struct ota_block2 *block2,
		   struct ota_coap_response *rsp, void *buf, size_t buf_len);
/* Map an error response to an errno and set ota->reason = "<what> <c.dd> <diagnostic>". */
int ota_gw_error(struct ota *ota, const char *what, const struct ota_coap_response *rsp,
		 const void *payload);
/* ota->reason for a failed request that got no response. */
int ota_gw_failed(struct ota *ota, const char *what, int err);
/* PUT update/<item>, then POST it the desired document while the gateway answers 2.03. */
int ota_gw_prepare_item(struct ota *ota, enum ota_item item);

/* --- fetch.c: Block2 reassembly --- */

/* Receives the bytes of a transfer in order; total is Size2 (0 when not announced). */
typedef int (*ota_fetch_sink)(void *ctx, uint32_t offset, const uint8_t *data, size_t len,
			      uint32_t total);

/*
 * GET ota->path block by block (docs/protocol.md "Block-wise transfer of a file") and hand
 * every payload to sink; received is the exact count of bytes received.  A transfer longer
 * than cap is refused with -EFBIG and cap_reason, so that each caller names its own limit
 * ("image too large") while bytes past Size2 stay "oversize" and gateway errors keep theirs.
 */
int ota_fetch(struct ota *ota, uint32_t cap, const char *cap_reason, ota_fetch_sink sink,
	      void *sink_ctx, uint32_t *received);

/* --- image.c: MCUboot image in a slot --- */

#define OTA_IMAGE_MAGIC          0x96f3b83dU
#define OTA_IMAGE_TLV_INFO_MAGIC 0x6907U
#define OTA_IMAGE_TLV_PROT_MAGIC 0x6908U
#define OTA_IMAGE_HEADER_SIZE    32U

struct ota_image_info {
	uint32_t hdr_size;
	uint32_t img_size;
	uint32_t protect_tlv_size;
	uint32_t tlv_size;
	/* hdr_size + img_size + protect_tlv_size + tlv_size: the bytes the MD5 covers. */
	uint32_t length;
	uint8_t major;
	uint8_t minor;
	uint16_t revision;
	uint32_t build;
};

/* Decode the 32-byte image header. -ENOENT: no image (bad magic). */
int ota_image_header_decode(const uint8_t *hdr, struct ota_image_info *info);
/* Header and TLV infos of the image in slot. -EBADMSG: bad TLV info, -EFBIG: past the slot;
 * any other error is the flash's. */
int ota_image_parse(const struct ota_port *port, enum ota_slot slot, struct ota_image_info *info);
/* MD5 over the image's exact length, read through buf. */
int ota_image_digest(const struct ota_port *port, enum ota_slot slot, uint8_t *buf, size_t buf_len,
		     struct ota_image_info *info, uint8_t digest[OTA_MD5_SIZE]);
void ota_image_version(const struct ota_image_info *info, char *out, size_t size);

/* --- install_file.c, install_fw.c --- */

/* MD5 of a FAT file. -ENOENT: no such file. */
int ota_file_digest(struct ota *ota, const char *name, uint8_t digest[OTA_MD5_SIZE]);
/*
 * At init: finish a verified replacement, delete an unverified temporary file.  On an error the
 * journal and its temporary file stay for the next boot.
 */
int ota_files_recover(struct ota *ota);
/* Fetch the prepared item into its temporary file and replace the file; ota->reason on error. */
int ota_install_file(struct ota *ota, enum ota_item item);
/* Fetch the prepared image into slot 1, verify it and request a test swap. */
int ota_install_fw(struct ota *ota);
/* Bytes at the end of slot 1 kept for MCUboot's trailer. */
size_t ota_fw_trailer_reserve(const struct ota_port *port);

#endif /* DEGU_OTA_PRIV_H_ */
