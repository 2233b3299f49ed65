/*
 * Copyright (c) 2026 Degu contributors
 * SPDX-License-Identifier: Apache-2.0
 */

/**
 * @file
 * @brief The POSIX port of the OTA core: a simulated Degu in a folder.
 *
 * One port instance is one device.  Its folder holds:
 *
 * | path             | what it stands for                                              |
 * |------------------|-----------------------------------------------------------------|
 * | `fat/`           | the FAT12 volume: `main.py`, `CONFIG` and the core's temporaries |
 * | `slot0.bin`      | MCUboot primary slot (running image), erased bytes are 0xFF      |
 * | `slot1.bin`      | MCUboot secondary slot (downloaded image)                        |
 * | `ota_state.bin`  | the core's persistent state record                               |
 *
 * Missing parts are created (empty volume, erased slots) when the port is created.  The slots
 * carry MCUboot's image trailer exactly as MCUboot lays it out with BOOT_MAX_ALIGN 8, so a
 * simulated bootloader can act on the same bytes as the real one.
 *
 * Instances share no mutable state: each may be driven from its own thread.  One instance is
 * used by one thread at a time (the OTA core is not reentrant); gateway requests of one
 * instance are additionally serialised by a lock.
 */

#ifndef DEGU_OTA_POSIX_H_
#define DEGU_OTA_POSIX_H_

#include <stddef.h>
#include <stdint.h>

#include <degu_ota/port.h>

#ifdef __cplusplus
extern "C" {
#endif

/** Slot size of the Degu flash layout (python/degutool/layout.py): 440 KB. */
#define OTA_POSIX_SLOT_SIZE 0x6E000u
/** nRF52840 flash page. */
#define OTA_POSIX_ERASE_SIZE 4096u
/** nRF52840 NVMC write block. */
#define OTA_POSIX_WRITE_BLOCK 4u
/** Default gateway port (docs/protocol.md). */
#define OTA_POSIX_COAP_PORT 5683u
/** RFC 7252 ACK_TIMEOUT. */
#define OTA_POSIX_ACK_TIMEOUT_MS 2000u
/** RFC 7252 MAX_RETRANSMIT. */
#define OTA_POSIX_MAX_RETRANSMIT 4u

struct ota_posix_config {
	/** The device's folder; created when missing (its parent must exist). */
	const char *dir;
	/** The gateway's address: an IPv4 or IPv6 literal ("127.0.0.1", "::1", "[::1]"). */
	const char *gateway_host;
	/** The gateway's UDP port; 0 for 5683. */
	uint16_t gateway_port;
	/** CoAP ACK_TIMEOUT in milliseconds; 0 for RFC 7252's 2000. */
	uint32_t ack_timeout_ms;
	/** Size of each slot in bytes, a multiple of the erase size; 0 for OTA_POSIX_SLOT_SIZE. */
	size_t slot_size;
};

/** Log levels of the POSIX port, as Zephyr numbers them. */
enum ota_posix_log_level {
	OTA_POSIX_LOG_NONE = 0,
	OTA_POSIX_LOG_ERR = 1,
	OTA_POSIX_LOG_WRN = 2,
	OTA_POSIX_LOG_INF = 3,
	OTA_POSIX_LOG_DBG = 4,
};

/** One simulated device's platform. */
struct ota_posix;

/**
 * Create a port instance: check the configuration, create the folder, the volume folder and
 * erased slot files where they are missing.
 *
 * @retval 0 @p out holds the instance.
 * @retval -EINVAL a configuration value is wrong (the log says which).
 * @retval -ENOMEM out of memory.
 * @retval -EXXX the folder or a slot file could not be created or has the wrong size.
 */
int ota_posix_create(const struct ota_posix_config *cfg, struct ota_posix **out);

/** The operations of @p posix, valid until ota_posix_destroy(). */
const struct ota_port *ota_posix_port(struct ota_posix *posix);

/** Release the instance; NULL is ignored.  Files stay where they are. */
void ota_posix_destroy(struct ota_posix *posix);

/**
 * Set the process-wide level of the port's log (stderr); the default is OTA_POSIX_LOG_WRN.
 * Values above OTA_POSIX_LOG_DBG count as OTA_POSIX_LOG_DBG, below 0 as OTA_POSIX_LOG_NONE.
 */
void ota_posix_set_log_level(int level);

#ifdef __cplusplus
}
#endif

#endif /* DEGU_OTA_POSIX_H_ */
