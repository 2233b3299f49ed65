/*
 * Copyright (c) 2026 Degu contributors
 * SPDX-License-Identifier: Apache-2.0
 */

/**
 * @file
 * @brief What the OTA/shadow core needs from its platform.
 *
 * The core is portable C99 and includes no OS header.  A port fills one struct ota_port with
 * these operations; ports/fake (unit tests), ports/posix (simulated Degu) and the firmware's
 * Zephyr port (ota/ports/zephyr/) are the three implementations.
 *
 * Every operation returns 0 (or a byte count where stated) on success and a negative errno
 * value on failure; the core passes that value up unchanged.
 */

#ifndef DEGU_OTA_PORT_H_
#define DEGU_OTA_PORT_H_

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/** Opaque file handle of a port. */
struct ota_file;

enum ota_file_mode {
	/** Open an existing file for reading. */
	OTA_FILE_READ,
	/** Create or truncate a file for writing. */
	OTA_FILE_WRITE,
};

enum ota_slot {
	/** The running image (MCUboot primary slot). */
	OTA_SLOT_RUNNING = 0,
	/** Where a downloaded image is written (MCUboot secondary slot). */
	OTA_SLOT_DOWNLOAD = 1,
};

enum ota_coap_method {
	OTA_COAP_GET = 1,
	OTA_COAP_POST = 2,
	OTA_COAP_PUT = 3,
	OTA_COAP_DELETE = 4,
};

/** CoAP response code as class * 32 + detail (RFC 7252, 3): 2.05 is 0x45. */
#define OTA_COAP_CODE(cls, detail) (((cls) << 5) | (detail))

/** A Block2 option (RFC 7959): block number, more flag, size exponent (size = 16 << szx). */
struct ota_block2 {
	uint32_t num;
	bool more;
	uint8_t szx;
};

/** One gateway response.  The payload lands in the buffer the core passed in. */
struct ota_coap_response {
	/** Response code, OTA_COAP_CODE(class, detail). */
	uint8_t code;
	/** Payload bytes written to the caller's buffer. */
	size_t payload_len;
	/** The response carried a Block2 option. */
	bool has_block2;
	struct ota_block2 block2;
	/** The response carried a Size2 option (RFC 7959, 4): the whole representation's size. */
	bool has_size2;
	uint32_t size2;
};

struct ota_port {
	/** Passed as first argument to every operation. */
	void *ctx;

	/* --- FAT volume files: short names such as "main.py", "main.new" --- */

	/** @retval -ENOENT the file does not exist (OTA_FILE_READ). */
	int (*file_open)(void *ctx, const char *name, enum ota_file_mode mode,
			 struct ota_file **file);
	/** @return bytes read (0 at end of file) or a negative errno. */
	int (*file_read)(void *ctx, struct ota_file *file, void *buf, size_t len);
	/** Writes all @p len bytes or fails. */
	int (*file_write)(void *ctx, struct ota_file *file, const void *buf, size_t len);
	/** Flushes and releases the handle, also when it fails. */
	int (*file_close)(void *ctx, struct ota_file *file);
	/** @retval -EEXIST @p to exists (FAT cannot rename over a file). */
	int (*file_rename)(void *ctx, const char *from, const char *to);
	/** @retval -ENOENT the file does not exist. */
	int (*file_remove)(void *ctx, const char *name);
	/** @retval -ENOENT the file does not exist. */
	int (*file_stat)(void *ctx, const char *name, size_t *size);

	/* --- flash slots --- */

	/** Size of a slot in bytes; the MCUboot trailer lives in its last bytes. */
	int (*slot_size)(void *ctx, enum ota_slot slot, size_t *size);
	/** Smallest erasable unit (a flash page) in bytes. */
	size_t (*slot_erase_size)(void *ctx);
	/** Write granularity in bytes: offsets and lengths of slot_write are multiples of it. */
	size_t (*slot_write_block)(void *ctx);
	/** Erase [off, off + len), both multiples of the erase size. */
	int (*slot_erase)(void *ctx, enum ota_slot slot, size_t off, size_t len);
	int (*slot_write)(void *ctx, enum ota_slot slot, size_t off, const void *buf, size_t len);
	int (*slot_read)(void *ctx, enum ota_slot slot, size_t off, void *buf, size_t len);

	/* --- the gateway (docs/protocol.md) --- */

	/**
	 * Send one confirmable request and wait for its response, retransmitting as the port's
	 * CoAP layer does.  @p path has no leading slash ("thing/0123456789abcdef").
	 * @p block2 is NULL for a request without a Block2 option.
	 *
	 * @retval 0 a response arrived (whatever its code); @p rsp and @p buf describe it.
	 * @retval -ETIMEDOUT no response after the port's retransmissions.
	 * @retval -EMSGSIZE the response payload is larger than @p buf_len.
	 */
	int (*gateway_request)(void *ctx, enum ota_coap_method method, const char *path,
			       const void *payload, size_t payload_len,
			       const struct ota_block2 *block2, struct ota_coap_response *rsp,
			       void *buf, size_t buf_len);

	/* --- MCUboot --- */

	/** Mark slot 1 for a test swap on the next reset (boot_request_upgrade(TEST)). */
	int (*boot_request_test)(void *ctx);
	/** Confirm the running image (boot_write_img_confirmed()). */
	int (*boot_confirm)(void *ctx);
	/** @p trial is true when the running image was swapped in and is not confirmed yet. */
	int (*boot_is_on_trial)(void *ctx, bool *trial);

	/* --- persistent state --- */

	/**
	 * Load the state record saved last.
	 * @return its length in bytes, or -ENOENT when none was ever saved.
	 */
	int (*state_load)(void *ctx, void *buf, size_t len);
	/** Save the state record atomically: after a power cut, the old or the new record. */
	int (*state_save)(void *ctx, const void *buf, size_t len);

	/* --- time --- */

	uint32_t (*uptime_ms)(void *ctx);
	void (*sleep_ms)(void *ctx, uint32_t ms);

	/** Reset the device; returns only on a port that cannot reset (host), with -ENOTSUP. */
	int (*reboot)(void *ctx);
};

#ifdef __cplusplus
}
#endif

#endif /* DEGU_OTA_PORT_H_ */
