/*
 * Copyright (c) 2026 Degu contributors
 * SPDX-License-Identifier: Apache-2.0
 */

/*
 * An in-memory port for unit tests: FAT files, two flash slots, a model of MCUboot's test swap
 * and revert, the state record and a scripted gateway that speaks docs/protocol.md.  It counts
 * every write (file create/write/rename/remove, slot erase/write, state save, MCUboot request or
 * confirm) and can cut the power after the Nth: that write completes, every later operation
 * fails with -EIO (the gateway with -ETIMEDOUT) until fake_power_cycle().
 */

#ifndef DEGU_OTA_FAKE_PORT_H_
#define DEGU_OTA_FAKE_PORT_H_

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "degu_ota/port.h"

#define FAKE_FILES      8
#define FAKE_NAME_MAX   16
#define FAKE_FILE_MAX   16384
#define FAKE_STATE_MAX  4096
#define FAKE_REPORT_MAX 2048
#define FAKE_LOG        64

struct fake_file {
	bool used;
	char name[FAKE_NAME_MAX];
	uint8_t data[FAKE_FILE_MAX];
	size_t size;
};

struct ota_file {
	struct fake_file *file;
	enum ota_file_mode mode;
	size_t pos;
	bool open;
};

/** What goes wrong with one block of an item's GET (at block number fault_block). */
enum fake_fault {
	FAKE_FAULT_NONE = 0,
	/** No response, fault_count times (then the block is served). */
	FAKE_FAULT_DROP,
	/** One byte short, More unchanged. */
	FAKE_FAULT_TRUNCATE,
	/** First byte of the payload inverted. */
	FAKE_FAULT_CORRUPT,
	/** The next block is served instead of the asked one. */
	FAKE_FAULT_REORDER,
	/** Answer fault_code with diag as payload. */
	FAKE_FAULT_CODE,
	/** The transport fails with -ENETUNREACH (not a lost block: no retry). */
	FAKE_FAULT_ERRNO,
	/** Size2 announced one byte smaller than the file, on every block. */
	FAKE_FAULT_SIZE2_SMALL,
	/** One byte more than Size2 on the last block. */
	FAKE_FAULT_EXTRA,
};

/**
 * Transient failures of one file operation: the next @p count calls on @p name ("" for any
 * file; a rename matches its source) fail with @p err, or, with @p cut, the power goes just
 * before the call (it fails with -EIO and changes nothing).
 */
struct fake_op_fault {
	char name[FAKE_NAME_MAX];
	int count;
	int err;
	bool cut;
	/** Calls failed so far. */
	int hits;
};

struct fake_item {
	/** The file the gateway fetched for the item (not owned). */
	const uint8_t *data;
	size_t size;
	/** 2.03 answers to POST before it succeeds. */
	int busy_polls;
	int busy_left;
	/** Non-zero: POST update/<item> answers this code with diag. */
	uint8_t post_code;
	char diag[128];
	/** Largest szx the gateway serves with (default 6). */
	uint8_t max_szx;
	enum fake_fault fault;
	uint32_t fault_block;
	int fault_count;
	uint8_t fault_code;
	/** Block requests seen. */
	int gets;
	int posts;
	int puts;
};

struct fake_port {
	struct ota_port port;

	struct fake_file files[FAKE_FILES];
	struct ota_file handles[4];

	uint8_t *slot[2];
	size_t slot_size;
	size_t erase_size;
	size_t write_block;

	/* MCUboot model */
	bool test_requested;
	bool trial;
	bool confirmed;
	int swaps;
	int reverts;
	/** The number of the write that requested the last test swap. */
	unsigned long request_write;

	uint8_t state[FAKE_STATE_MAX];
	int state_len;

	/** File writes fail with -ENOSPC. */
	bool volume_full;
	/* Transient file errors, kept across fake_power_cycle(). */
	struct fake_op_fault fail_read;
	struct fake_op_fault fail_stat;
	struct fake_op_fault fail_rename;
	struct fake_op_fault fail_remove;
	/* The same for reads of a slot ("slot0", "slot1") and for loading the state record
	 * ("state").
	 */
	struct fake_op_fault fail_slot_read;
	struct fake_op_fault fail_state_load;

	/* power */
	unsigned long writes;
	/** Cut the power after this write (0: never). */
	unsigned long cut_after;
	/** The cut tears a file or slot write: half its bytes land, and it fails. */
	bool tear;
	bool power_off;

	/* gateway */
	/** Every request times out. */
	bool gw_down;
	/** Requests after which the gateway goes down (0: never). */
	unsigned long gw_down_after;
	unsigned long requests;
	const char *desired_doc;
	size_t desired_len;
	/** Non-zero: GET update/status answers this code. */
	uint8_t status_code;
	const char *shadow_doc;
	uint8_t doc_max_szx;
	/** Non-zero: POST thing answers this code. */
	uint8_t report_code;
	char report[FAKE_REPORT_MAX];
	size_t report_len;
	int reports;
	/** The first reports of this power cycle, in order. */
	char report_log[8][FAKE_REPORT_MAX];
	struct fake_item items[3];
	/** Requests as "METHOD path", most recent last. */
	char log[FAKE_LOG][48];
	int log_len;

	uint32_t now_ms;
	uint32_t slept_ms;
};

/** Zeroed port with @p slot_size slots; state record absent; nothing on the volume. */
int fake_port_init(struct fake_port *fake, size_t slot_size, size_t erase_size,
		   size_t write_block);
void fake_port_free(struct fake_port *fake);

/** Power on again: open files are lost, MCUboot swaps, reverts or keeps as it would. */
void fake_power_cycle(struct fake_port *fake);

int fake_file_put(struct fake_port *fake, const char *name, const void *data, size_t len);
/** @return the file or NULL. */
const struct fake_file *fake_file_find(const struct fake_port *fake, const char *name);

/** Serve @p doc as desired (GET update/status). */
void fake_set_desired(struct fake_port *fake, const char *doc);
void fake_set_item(struct fake_port *fake, int item, const void *data, size_t size);

/** Arm @p fault: the next @p count calls on @p name fail with @p err. */
void fake_fail(struct fake_op_fault *fault, const char *name, int count, int err);

/** Whether "METHOD path" (e.g. "GET update/status/...") was requested. */
bool fake_requested(const struct fake_port *fake, const char *method, const char *path_prefix);

/* Between the fake's own files. */
int fake_gateway_request(void *ctx, enum ota_coap_method method, const char *path,
			 const void *payload, size_t payload_len, const struct ota_block2 *block2,
			 struct ota_coap_response *rsp, void *buf, size_t buf_len);

#endif /* DEGU_OTA_FAKE_PORT_H_ */
