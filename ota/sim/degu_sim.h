/*
 * Copyright (c) 2026 Degu contributors
 * SPDX-License-Identifier: Apache-2.0
 */

/**
 * @file
 * @brief libdegu_sim.so: the OTA core and its POSIX port for a simulated Degu, as a flat C API
 * for Python ctypes (degutool sim).
 *
 * A device is a folder (see degu_ota/posix.h):
 *
 * | path            | what it stands for                                                |
 * |-----------------|-------------------------------------------------------------------|
 * | `fat/`          | the FAT12 volume: `main.py`, `CONFIG`; 8.3 names only              |
 * | `slot0.bin`     | MCUboot primary slot, 0x6E000 bytes, erased bytes 0xFF             |
 * | `slot1.bin`     | MCUboot secondary slot, same size                                  |
 * | `ota_state.bin` | the core's persistent state record (replaced atomically)           |
 *
 * The slots carry MCUboot's image trailer in their last 48 bytes exactly as MCUboot lays it out
 * with BOOT_MAX_ALIGN 8 (magic at size-16, image_ok at size-24, copy_done at size-32, swap_info
 * at size-40, swap_size at size-48; a flag is 0x01 set, 0xFF unset).  The library writes:
 * on a firmware update, magic and swap_info 0x02 (image 0, swap type test) into slot 1; on
 * confirmation, image_ok into slot 0.  The simulated bootloader reads them between boots, swaps
 * the files (a swapped-in image gets magic and copy_done in slot 0, image_ok unset) and reverts
 * an image still unconfirmed at the next reset.  The library opens the slot files for each
 * access, so replacing them between calls is safe.
 *
 * Every call returns 0 (or a count or an action where stated) or a negative errno value
 * (os.strerror(-ret) names it).  Handles are independent: different handles may be used from
 * different threads at the same time; one handle must be used by one thread at a time.  The
 * library holds no lock while it waits on the network, and ctypes releases the GIL around the
 * calls, so many devices can run in one process.
 *
 * The API is versioned: DEGU_SIM_API_VERSION changes whenever a declaration below does.
 */

#ifndef DEGU_SIM_H_
#define DEGU_SIM_H_

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* The library exports these functions and nothing else (it is built -fvisibility=hidden). */
#if defined(__GNUC__)
#define DEGU_SIM_API __attribute__((visibility("default")))
#else
#define DEGU_SIM_API
#endif

/** The version of this API; degu_sim_api_version() returns the library's. */
#define DEGU_SIM_API_VERSION 1

/** degu_sim_boot(): nothing was installed, run main.py (or the REPL when there is none). */
#define DEGU_SIM_RUN 0
/** degu_sim_boot(): something was installed or a swap was requested, reset now. */
#define DEGU_SIM_REBOOT 1

/** Log levels of degu_sim_set_log_level(), as Zephyr numbers them. */
#define DEGU_SIM_LOG_NONE 0
#define DEGU_SIM_LOG_ERR 1
#define DEGU_SIM_LOG_WRN 2
#define DEGU_SIM_LOG_INF 3
#define DEGU_SIM_LOG_DBG 4

/** A simulated device: its folder, its gateway and the OTA core's context. */
struct degu_sim;

/** One gateway response of degu_sim_request(); all fields are 32 bits wide. */
struct degu_sim_response {
	/** CoAP code, class * 32 + detail (2.05 is 69, 4.04 is 132). */
	uint32_t code;
	/** Payload bytes copied into the caller's buffer. */
	uint32_t payload_len;
	/** 1 when the response carried Block2; then block_num, block_more, block_szx are set. */
	uint32_t has_block2;
	uint32_t block_num;
	uint32_t block_more;
	uint32_t block_szx;
	/** 1 when the response carried Size2; then size2 is set. */
	uint32_t has_size2;
	uint32_t size2;
};

/** @return DEGU_SIM_API_VERSION of the library at hand. */
DEGU_SIM_API int degu_sim_api_version(void);

/**
 * Create a device and prepare its OTA context (ota_init(): a file replacement that was cut
 * short is finished or rolled back).  Missing parts of the folder are created: the folder,
 * `fat/` and erased slots.
 *
 * @param dir            the device's folder (created when missing; its parent must exist)
 * @param eui64          16 hex digits; upper case is accepted and lowered
 * @param gateway_host   IPv4 or IPv6 literal ("127.0.0.1", "::1", "[::1]")
 * @param gateway_port   UDP port, 0 for 5683
 * @param ack_timeout_ms CoAP ACK_TIMEOUT, 0 for 2000 (tests use short ones); MAX_RETRANSMIT
 *                       is 4, so a request fails after about 47 ACK_TIMEOUTs at most
 * @param max_attempts   download attempts per desired digest, 0 for 3
 * @param out            the new handle
 *
 * @retval 0 @p out holds the handle.
 * @retval -EINVAL an argument is wrong (stderr says which).
 * @retval -ENOMEM out of memory.
 * @retval -EXXX the folder or a slot file could not be created, or ota_init() failed.
 */
DEGU_SIM_API int degu_sim_create(const char *dir, const char *eui64, const char *gateway_host,
				 unsigned int gateway_port, unsigned int ack_timeout_ms,
				 unsigned int max_attempts, struct degu_sim **out);

/**
 * One boot of the device after its bootloader ran: ota_init(), then ota_boot() (confirm a
 * trial image, report, read desired, install what differs).
 *
 * @retval DEGU_SIM_RUN run main.py.
 * @retval DEGU_SIM_REBOOT reset: run the simulated bootloader, then boot again.
 * @retval -EXXX the gateway could not be reached at all; run main.py.
 */
DEGU_SIM_API int degu_sim_boot(struct degu_sim *sim);

/**
 * degu.check_update(): ask the gateway for desired again; writes nothing.
 *
 * @retval 1 an item differs from what is installed and is not held back.
 * @retval 0 nothing to do.
 * @retval -EXXX the gateway could not be asked.
 */
DEGU_SIM_API int degu_sim_check_update(struct degu_sim *sim);

/** degu.update_shadow(json): POST `{"state":{"reported":{...}}}` of @p len bytes. */
DEGU_SIM_API int degu_sim_update_shadow(struct degu_sim *sim, const char *json, size_t len);

/**
 * degu.get_shadow(): GET the device's shadow document into @p buf, NUL-terminated.
 *
 * @return the document's length (without the NUL), or -EXXX (-ENOSPC: @p len too small).
 */
DEGU_SIM_API int degu_sim_get_shadow(struct degu_sim *sim, char *buf, size_t len);

/**
 * One raw gateway request through the device's CoAP transport, for tests and tools: the
 * bytes on the wire are the ones the OTA core's requests use.
 *
 * @param method      1 GET, 2 POST, 3 PUT, 4 DELETE
 * @param path        without leading slash ("update/script_user/0123456789abcdef")
 * @param block_num   Block2 number to ask for, or -1 for a request without Block2
 * @param block_szx   Block2 size exponent (0..6, size 16 << szx) when block_num >= 0
 *
 * @retval 0 a response arrived (whatever its code): @p rsp and @p buf describe it.
 * @retval -ETIMEDOUT no response after the retransmissions.
 * @retval -ECONNREFUSED nothing listens at the gateway's address (ICMP port unreachable).
 * @retval -EMSGSIZE the payload is larger than @p buf_len (@p rsp still says code and blocks).
 * @retval -EINVAL a bad argument.
 */
DEGU_SIM_API int degu_sim_request(struct degu_sim *sim, int method, const char *path,
				  const void *payload, size_t payload_len, int block_num,
				  int block_szx, struct degu_sim_response *rsp, void *buf,
				  size_t buf_len);

/** Release the handle; NULL is ignored.  The folder stays as it is. */
DEGU_SIM_API void degu_sim_destroy(struct degu_sim *sim);

/**
 * Set the level of the library's log on stderr (core and port) for all handles: one of
 * DEGU_SIM_LOG_*; the default is DEGU_SIM_LOG_WRN, or DEGU_OTA_LOG_LEVEL from the environment
 * when the first handle is created.
 */
DEGU_SIM_API void degu_sim_set_log_level(int level);

#ifdef __cplusplus
}
#endif

#endif /* DEGU_SIM_H_ */
