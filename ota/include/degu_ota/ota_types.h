/*
 * Copyright (c) 2026 Degu contributors
 * SPDX-License-Identifier: Apache-2.0
 */

/**
 * @file
 * @brief Sizes, the persisted state record and struct ota, so that callers can allocate it.
 *
 * Every size is a CONFIG_DEGU_OTA_* name so that Kconfig (or -D on the host) can override it.
 * Nothing here is to be touched by the caller; it is public only for its size.
 */

#ifndef DEGU_OTA_OTA_TYPES_H_
#define DEGU_OTA_OTA_TYPES_H_

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/** Longest URL of an item, bytes including the terminating NUL. */
#ifndef CONFIG_DEGU_OTA_URL_MAX
#define CONFIG_DEGU_OTA_URL_MAX 128
#endif

/** Longest error text kept per item, bytes including the NUL (longer diagnostics are cut). */
#ifndef CONFIG_DEGU_OTA_ERROR_MAX
#define CONFIG_DEGU_OTA_ERROR_MAX 64
#endif

/** Largest desired (or whole shadow) document the device reads, bytes. */
#ifndef CONFIG_DEGU_OTA_DOC_MAX
#define CONFIG_DEGU_OTA_DOC_MAX 4096
#endif

/** JSON tokens for one document (jsmn); a document needing more is refused as oversized. */
#ifndef CONFIG_DEGU_OTA_JSON_TOKENS
#define CONFIG_DEGU_OTA_JSON_TOKENS 256
#endif

/** Largest reported document; docs/protocol.md caps POST thing/<eui> at 1024 bytes. */
#ifndef CONFIG_DEGU_OTA_REPORT_MAX
#define CONFIG_DEGU_OTA_REPORT_MAX 1024
#endif

/** Largest Block2 block the device asks for (szx 6). */
#ifndef CONFIG_DEGU_OTA_BLOCK_MAX
#define CONFIG_DEGU_OTA_BLOCK_MAX 1024
#endif

/** Largest flash write-block size a port may report. */
#ifndef CONFIG_DEGU_OTA_WRITE_BLOCK_MAX
#define CONFIG_DEGU_OTA_WRITE_BLOCK_MAX 16
#endif

/** Cap of main.py and CONFIG (docs/protocol.md: both must fit the 16 KB FAT volume). */
#ifndef CONFIG_DEGU_OTA_FILE_MAX
#define CONFIG_DEGU_OTA_FILE_MAX 12288
#endif

/** Download attempts per desired digest when struct ota_config leaves it 0. */
#ifndef CONFIG_DEGU_OTA_MAX_ATTEMPTS
#define CONFIG_DEGU_OTA_MAX_ATTEMPTS 3
#endif

/** A lost block is asked for again this many times before the transfer fails. */
#ifndef CONFIG_DEGU_OTA_BLOCK_RETRIES
#define CONFIG_DEGU_OTA_BLOCK_RETRIES 3
#endif

/** POST update/<item> is repeated this many times while the gateway answers 2.03. */
#ifndef CONFIG_DEGU_OTA_BUSY_POLLS
#define CONFIG_DEGU_OTA_BUSY_POLLS 120
#endif

/** Pause between two polls of a busy gateway, ms. */
#ifndef CONFIG_DEGU_OTA_BUSY_POLL_MS
#define CONFIG_DEGU_OTA_BUSY_POLL_MS 1000
#endif

#define OTA_MD5_SIZE 16
#define OTA_ITEMS    3

/** State of one field of a desired item. */
enum ota_field {
	OTA_FIELD_ABSENT = 0,
	OTA_FIELD_SET,
	/** Present but unusable (not a string, malformed digest, URL too long). */
	OTA_FIELD_BAD,
};

/** One item of the desired state: URL and MD5, each with its own state. */
struct ota_desired_item {
	uint8_t url_state;
	uint8_t ver_state;
	uint8_t digest[OTA_MD5_SIZE];
	char url[CONFIG_DEGU_OTA_URL_MAX];
};

struct ota_desired {
	struct ota_desired_item item[OTA_ITEMS];
};

/** What the device remembers per item across boots. */
struct ota_item_record {
	/** The desired digest the attempts below were made for. */
	uint8_t tried[OTA_MD5_SIZE];
	uint8_t has_tried;
	uint8_t attempts;
	/** Last error for @ref tried, "" when the last attempt succeeded. */
	char error[CONFIG_DEGU_OTA_ERROR_MAX];
	/** URL the installed item came from, "" until an item was installed over the air. */
	char url[CONFIG_DEGU_OTA_URL_MAX];
};

/** A verified temporary file that is to replace an item's file (install_file.c). */
struct ota_journal {
	uint8_t active;
	uint8_t item;
	uint8_t digest[OTA_MD5_SIZE];
	char url[CONFIG_DEGU_OTA_URL_MAX];
};

/**
 * A firmware image for which a test swap is requested (install_fw.c, ota.c).  Saved before the
 * request; @ref requesting stays set until a boot runs the image on trial.
 */
struct ota_fw_pending {
	uint8_t active;
	uint8_t requesting;
	uint8_t digest[OTA_MD5_SIZE];
	char url[CONFIG_DEGU_OTA_URL_MAX];
};

/**
 * The persisted record (state.c).  Stored as these bytes through port->state_load/state_save;
 * a record of another version or size, or with a bad CRC, is dropped and the device starts
 * afresh (it loses only its retry counts).
 */
struct ota_state {
	uint32_t magic;
	uint16_t version;
	uint16_t size;
	struct ota_item_record item[OTA_ITEMS];
	/** The last full desired state; a delta document is merged into it. */
	struct ota_desired desired;
	struct ota_journal journal;
	struct ota_fw_pending fw;
	/** CRC-32 of all bytes before this field. */
	uint32_t crc;
};

/** The value of ota.state in the reported document (docs/protocol.md). */
enum ota_run_state {
	OTA_STATE_IDLE = 0,
	OTA_STATE_UPDATED,
	OTA_STATE_TRIAL,
	OTA_STATE_FAILED,
	OTA_STATE_HELD,
};

/** What the device holds for one item. */
struct ota_installed {
	bool present;
	uint8_t digest[OTA_MD5_SIZE];
};

struct ota {
	const struct ota_port *port;
	char eui64[17];
	unsigned int max_attempts;
	bool initialised;

	struct ota_state state;
	/** The desired state this boot acts on (the persisted one merged with what was read). */
	struct ota_desired desired;
	struct ota_installed installed[OTA_ITEMS];
	/** Firmware version of the running image, "major.minor.revision+build" or "none". */
	char fw_version[32];

	/* ota.* of the reported document */
	enum ota_run_state run_state;
	int run_item;
	char run_error[CONFIG_DEGU_OTA_ERROR_MAX];
	/** Length and CRC-32 of the last document the gateway took (0: none yet this boot). */
	int report_len;
	uint32_t report_crc;

	/** Why ota_init() started from a fresh record or left a recovery undone ("" if not). */
	char init_error[CONFIG_DEGU_OTA_ERROR_MAX];
	/** The record could not be read: nothing is saved this boot, so nothing is installed. */
	bool state_unreadable;

	/** Reason of the failure being handled, copied into the item's record. */
	char reason[CONFIG_DEGU_OTA_ERROR_MAX];
	char path[64];

	/* Scratch buffers; no buffer depends on a file's size. */
	char doc[CONFIG_DEGU_OTA_DOC_MAX + 1];
	char report[CONFIG_DEGU_OTA_REPORT_MAX + 1];
	uint8_t block[CONFIG_DEGU_OTA_BLOCK_MAX + CONFIG_DEGU_OTA_WRITE_BLOCK_MAX];
	/** jsmn tokens (shadow_desired.c checks that a jsmntok_t is four ints). */
	int json_tokens[CONFIG_DEGU_OTA_JSON_TOKENS][4];
};

#ifdef __cplusplus
}
#endif

#endif /* DEGU_OTA_OTA_TYPES_H_ */
