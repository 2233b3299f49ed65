/*
 * Copyright (c) 2026 Degu contributors
 * SPDX-License-Identifier: Apache-2.0
 */

/*
 * The POSIX port's files, slots, MCUboot trailer and state record, checked byte by byte
 * against what FAT, the nRF52840 flash and MCUboot do.  The gateway transport is tested
 * against a real CoAP server in tests/test_posix_coap.py.
 *
 * Usage: test_posix_port <scratch folder>   (the folder is emptied first)
 */

#define _XOPEN_SOURCE 700

#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <degu_ota/posix.h>

static int failures;

#define CHECK(cond)                                                                                \
	do {                                                                                       \
		if (!(cond)) {                                                                     \
			fprintf(stderr, "%s:%d: %s\n", __FILE__, __LINE__, #cond);                 \
			failures++;                                                                \
		}                                                                                  \
	} while (0)

#define CHECK_EQ(got, want)                                                                        \
	do {                                                                                       \
		long long got_ = (long long)(got);                                                 \
		long long want_ = (long long)(want);                                               \
		if (got_ != want_) {                                                               \
			fprintf(stderr, "%s:%d: %s is %lld, expected %lld\n", __FILE__, __LINE__,  \
				#got, got_, want_);                                                \
			failures++;                                                                \
		}                                                                                  \
	} while (0)

#define SLOT OTA_POSIX_SLOT_SIZE

static const uint8_t magic[16] = {
	0x77, 0xc2, 0x95, 0xf3, 0x60, 0xd2, 0xef, 0x7f,
	0x35, 0x52, 0x50, 0x0f, 0x2c, 0xb6, 0x79, 0x80,
};

static char root[1024];

static int rm_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;

	return remove(path);
}

static void rm_tree(const char *path)
{
	nftw(path, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
}

static void path_of(char *out, size_t len, const char *dev, const char *name)
{
	snprintf(out, len, "%s/%s/%s", root, dev, name);
}

static struct ota_posix *create(const char *dev)
{
	char dir[1100];
	struct ota_posix_config cfg = {
		.dir = dir,
		.gateway_host = "127.0.0.1",
	};
	struct ota_posix *posix = NULL;

	snprintf(dir, sizeof(dir), "%s/%s", root, dev);
	CHECK_EQ(ota_posix_create(&cfg, &posix), 0);
	return posix;
}

static bool all_erased(const uint8_t *buf, size_t len)
{
	for (size_t i = 0; i < len; i++) {
		if (buf[i] != 0xFF) {
			return false;
		}
	}

	return true;
}

static void test_create(void)
{
	static uint8_t slot[SLOT];
	struct ota_posix *posix = create("create");
	const struct ota_port *port = ota_posix_port(posix);
	char path[1200];
	struct stat st;
	size_t size = 0;

	for (int i = 0; i < 2; i++) {
		snprintf(path, sizeof(path), "%s/create/slot%d.bin", root, i);
		CHECK_EQ(stat(path, &st), 0);
		CHECK_EQ(st.st_size, SLOT);
		CHECK_EQ(port->slot_read(port->ctx, (enum ota_slot)i, 0, slot, SLOT), 0);
		CHECK(all_erased(slot, SLOT));
		CHECK_EQ(port->slot_size(port->ctx, (enum ota_slot)i, &size), 0);
		CHECK_EQ(size, SLOT);
	}

	path_of(path, sizeof(path), "create", "fat");
	CHECK_EQ(stat(path, &st), 0);
	CHECK(S_ISDIR(st.st_mode));
	CHECK_EQ(port->slot_erase_size(port->ctx), 4096);
	CHECK_EQ(port->slot_write_block(port->ctx), 4);
	CHECK_EQ(port->reboot(port->ctx), -ENOTSUP);

	ota_posix_destroy(posix);
}

static void test_create_refuses(void)
{
	struct ota_posix_config cfg = { .gateway_host = "127.0.0.1" };
	struct ota_posix *posix = (struct ota_posix *)&cfg;
	char dir[1100];
	char path[1200];
	int fd;

	snprintf(dir, sizeof(dir), "%s/refuse", root);
	cfg.dir = dir;

	cfg.gateway_host = "gateway.example";
	CHECK_EQ(ota_posix_create(&cfg, &posix), -EINVAL);
	CHECK(posix == NULL);
	cfg.gateway_host = "127.0.0.1:5683";
	CHECK_EQ(ota_posix_create(&cfg, &posix), -EINVAL);
	cfg.gateway_host = "";
	CHECK_EQ(ota_posix_create(&cfg, &posix), -EINVAL);

	cfg.gateway_host = "[::1]";
	cfg.slot_size = 4096 * 3 + 1;
	CHECK_EQ(ota_posix_create(&cfg, &posix), -EINVAL);

	/* A slot file of the wrong size is an error, not something to overwrite. */
	cfg.slot_size = 0;
	mkdir(dir, 0777);
	snprintf(path, sizeof(path), "%s/slot0.bin", dir);
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0666);
	CHECK(fd >= 0);
	CHECK_EQ(write(fd, "short", 5), 5);
	close(fd);
	CHECK_EQ(ota_posix_create(&cfg, &posix), -EINVAL);
	CHECK(posix == NULL);

	unlink(path);
	CHECK_EQ(ota_posix_create(&cfg, &posix), 0);
	ota_posix_destroy(posix);
}

static void write_file(const struct ota_port *port, const char *name, const char *text)
{
	struct ota_file *file = NULL;

	CHECK_EQ(port->file_open(port->ctx, name, OTA_FILE_WRITE, &file), 0);
	if (file == NULL) {
		return;
	}
	CHECK_EQ(port->file_write(port->ctx, file, text, strlen(text)), 0);
	CHECK_EQ(port->file_close(port->ctx, file), 0);
}

static void check_file(const struct ota_port *port, const char *name, const char *text)
{
	struct ota_file *file = NULL;
	char buf[64];
	size_t size = 0;
	int n;

	CHECK_EQ(port->file_stat(port->ctx, name, &size), 0);
	CHECK_EQ(size, strlen(text));
	CHECK_EQ(port->file_open(port->ctx, name, OTA_FILE_READ, &file), 0);
	if (file == NULL) {
		return;
	}
	n = port->file_read(port->ctx, file, buf, sizeof(buf));
	CHECK_EQ(n, strlen(text));
	CHECK(n >= 0 && memcmp(buf, text, (size_t)n) == 0);
	CHECK_EQ(port->file_read(port->ctx, file, buf, sizeof(buf)), 0);
	CHECK_EQ(port->file_write(port->ctx, file, "x", 1), -EBADF);
	CHECK_EQ(port->file_close(port->ctx, file), 0);
}

static void test_files(void)
{
	/* clang-format off */
	static const char *const bad_names[] = {
		"", "main.py.new", "../main.py", "fat/main.py", "longername.py", "main.json",
		".py", "main.", "a b.py", "main..py",
	};
	/* clang-format on */
	struct ota_posix *posix = create("files");
	const struct ota_port *port = ota_posix_port(posix);
	struct ota_file *file = NULL;
	char path[1200];
	struct stat st;
	size_t size;

	CHECK_EQ(port->file_open(port->ctx, "main.py", OTA_FILE_READ, &file), -ENOENT);
	CHECK_EQ(port->file_stat(port->ctx, "main.py", &size), -ENOENT);
	CHECK_EQ(port->file_remove(port->ctx, "main.py"), -ENOENT);
	CHECK_EQ(port->file_rename(port->ctx, "main.new", "main.py"), -ENOENT);

	write_file(port, "main.new", "print('Alice')\n");
	CHECK_EQ(port->file_rename(port->ctx, "main.new", "main.py"), 0);
	check_file(port, "main.py", "print('Alice')\n");
	CHECK_EQ(port->file_stat(port->ctx, "main.new", &size), -ENOENT);

	/* The files live in fat/, named as given. */
	path_of(path, sizeof(path), "files", "fat/main.py");
	CHECK_EQ(stat(path, &st), 0);
	CHECK_EQ(st.st_size, 15);

	/* FAT cannot rename over a file: both stay as they were. */
	write_file(port, "main.new", "print('Bob')\n");
	CHECK_EQ(port->file_rename(port->ctx, "main.new", "main.py"), -EEXIST);
	check_file(port, "main.py", "print('Alice')\n");
	check_file(port, "main.new", "print('Bob')\n");

	CHECK_EQ(port->file_remove(port->ctx, "main.py"), 0);
	CHECK_EQ(port->file_rename(port->ctx, "main.new", "main.py"), 0);
	check_file(port, "main.py", "print('Bob')\n");

	/* Truncated on open for writing. */
	write_file(port, "CONFIG", "a=1\nb=2\n");
	write_file(port, "CONFIG", "c=3\n");
	check_file(port, "CONFIG", "c=3\n");

	file = NULL;
	CHECK_EQ(port->file_open(port->ctx, "CONFIG", OTA_FILE_WRITE, &file), 0);
	if (file != NULL) {
		char buf[4];

		CHECK_EQ(port->file_read(port->ctx, file, buf, sizeof(buf)), -EBADF);
		CHECK_EQ(port->file_close(port->ctx, file), 0);
	}

	for (size_t i = 0; i < sizeof(bad_names) / sizeof(bad_names[0]); i++) {
		file = NULL;
		CHECK_EQ(port->file_open(port->ctx, bad_names[i], OTA_FILE_WRITE, &file), -EINVAL);
		CHECK(file == NULL);
		CHECK_EQ(port->file_rename(port->ctx, "CONFIG", bad_names[i]), -EINVAL);
	}
	check_file(port, "CONFIG", "");

	ota_posix_destroy(posix);
}

static void test_slots(void)
{
	struct ota_posix *posix = create("slots");
	const struct ota_port *port = ota_posix_port(posix);
	uint8_t data[8] = { 1, 2, 3, 4, 5, 6, 7, 8 };
	uint8_t page[4096];

	CHECK_EQ(port->slot_write(port->ctx, OTA_SLOT_DOWNLOAD, 4096, data, 8), 0);
	CHECK_EQ(port->slot_read(port->ctx, OTA_SLOT_DOWNLOAD, 4092, page, 16), 0);
	CHECK(all_erased(page, 4));
	CHECK(memcmp(page + 4, data, 8) == 0);
	CHECK(all_erased(page + 12, 4));

	/* Untouched: the other slot, the page before. */
	CHECK_EQ(port->slot_read(port->ctx, OTA_SLOT_RUNNING, 4096, page, 8), 0);
	CHECK(all_erased(page, 8));

	/* Flash rules: whole blocks, erased before written, whole pages erased. */
	CHECK_EQ(port->slot_write(port->ctx, OTA_SLOT_DOWNLOAD, 4096, data, 8), -EIO);
	CHECK_EQ(port->slot_write(port->ctx, OTA_SLOT_DOWNLOAD, 4100, data, 4), -EIO);
	CHECK_EQ(port->slot_write(port->ctx, OTA_SLOT_DOWNLOAD, 8194, data, 4), -EINVAL);
	CHECK_EQ(port->slot_write(port->ctx, OTA_SLOT_DOWNLOAD, 8192, data, 3), -EINVAL);
	CHECK_EQ(port->slot_write(port->ctx, OTA_SLOT_DOWNLOAD, SLOT - 4, data, 8), -EINVAL);
	CHECK_EQ(port->slot_write(port->ctx, OTA_SLOT_DOWNLOAD, SLOT - 4, data, 4), 0);
	CHECK_EQ(port->slot_erase(port->ctx, OTA_SLOT_DOWNLOAD, 4096, 100), -EINVAL);
	CHECK_EQ(port->slot_erase(port->ctx, OTA_SLOT_DOWNLOAD, 100, 4096), -EINVAL);
	CHECK_EQ(port->slot_erase(port->ctx, OTA_SLOT_DOWNLOAD, SLOT, 4096), -EINVAL);
	CHECK_EQ(port->slot_read(port->ctx, OTA_SLOT_DOWNLOAD, SLOT - 4, page, 8), -EINVAL);
	CHECK_EQ(port->slot_read(port->ctx, (enum ota_slot)2, 0, page, 8), -EINVAL);

	CHECK_EQ(port->slot_erase(port->ctx, OTA_SLOT_DOWNLOAD, 4096, 4096), 0);
	CHECK_EQ(port->slot_read(port->ctx, OTA_SLOT_DOWNLOAD, 4096, page, sizeof(page)), 0);
	CHECK(all_erased(page, sizeof(page)));
	CHECK_EQ(port->slot_write(port->ctx, OTA_SLOT_DOWNLOAD, 4096, data, 8), 0);

	/* The last page was not erased: its word stays. */
	CHECK_EQ(port->slot_read(port->ctx, OTA_SLOT_DOWNLOAD, SLOT - 4, page, 4), 0);
	CHECK(memcmp(page, data, 4) == 0);

	ota_posix_destroy(posix);
}

static void read_trailer(const struct ota_port *port, enum ota_slot slot, uint8_t out[48])
{
	CHECK_EQ(port->slot_read(port->ctx, slot, SLOT - 48, out, 48), 0);
}

static void test_trailer(void)
{
	struct ota_posix *posix = create("trailer");
	const struct ota_port *port = ota_posix_port(posix);
	uint8_t trailer[48];
	uint8_t want[48];
	bool trial = true;

	/* A directly programmed image (no magic) is not on trial and needs no confirmation. */
	CHECK_EQ(port->boot_is_on_trial(port->ctx, &trial), 0);
	CHECK(!trial);
	CHECK_EQ(port->boot_confirm(port->ctx), 0);
	read_trailer(port, OTA_SLOT_RUNNING, trailer);
	CHECK(all_erased(trailer, sizeof(trailer)));

	/* boot_request_upgrade(BOOT_UPGRADE_TEST): magic, then swap_info = image 0, type test. */
	CHECK_EQ(port->boot_request_test(port->ctx), 0);
	memset(want, 0xFF, sizeof(want));
	memcpy(want + 32, magic, 16);
	want[8] = 0x02;
	read_trailer(port, OTA_SLOT_DOWNLOAD, trailer);
	CHECK(memcmp(trailer, want, sizeof(want)) == 0);

	/* Asked again: already pending, nothing written. */
	CHECK_EQ(port->boot_request_test(port->ctx), 0);
	read_trailer(port, OTA_SLOT_DOWNLOAD, trailer);
	CHECK(memcmp(trailer, want, sizeof(want)) == 0);

	/* After MCUboot's swap: magic and copy_done in slot 0, image_ok unset. */
	CHECK_EQ(port->slot_write(port->ctx, OTA_SLOT_RUNNING, SLOT - 16, magic, 16), 0);
	CHECK_EQ(port->slot_write(port->ctx, OTA_SLOT_RUNNING, SLOT - 32,
				  (const uint8_t[]){ 1, 0xFF, 0xFF, 0xFF }, 4),
		 0);
	CHECK_EQ(port->boot_is_on_trial(port->ctx, &trial), 0);
	CHECK(trial);

	CHECK_EQ(port->boot_confirm(port->ctx), 0);
	memset(want, 0xFF, sizeof(want));
	memcpy(want + 32, magic, 16);
	want[16] = 0x01; /* copy_done */
	want[24] = 0x01; /* image_ok */
	read_trailer(port, OTA_SLOT_RUNNING, trailer);
	CHECK(memcmp(trailer, want, sizeof(want)) == 0);
	CHECK_EQ(port->boot_is_on_trial(port->ctx, &trial), 0);
	CHECK(!trial);
	CHECK_EQ(port->boot_confirm(port->ctx), 0);

	/* A corrupt magic in slot 1: MCUboot erases the slot and fails the request. */
	CHECK_EQ(port->slot_erase(port->ctx, OTA_SLOT_DOWNLOAD, SLOT - 4096, 4096), 0);
	CHECK_EQ(port->slot_write(port->ctx, OTA_SLOT_DOWNLOAD, 0, magic, 16), 0);
	memcpy(want, magic, 16);
	want[15] ^= 0x01;
	CHECK_EQ(port->slot_write(port->ctx, OTA_SLOT_DOWNLOAD, SLOT - 16, want, 16), 0);
	CHECK_EQ(port->boot_request_test(port->ctx), -EBADMSG);
	read_trailer(port, OTA_SLOT_DOWNLOAD, trailer);
	CHECK(all_erased(trailer, sizeof(trailer)));
	CHECK_EQ(port->slot_read(port->ctx, OTA_SLOT_DOWNLOAD, 0, trailer, 16), 0);
	CHECK(all_erased(trailer, 16));

	ota_posix_destroy(posix);
}

static void test_state(void)
{
	struct ota_posix *posix = create("state");
	const struct ota_port *port = ota_posix_port(posix);
	char buf[16];
	char path[1200];
	struct stat st;

	CHECK_EQ(port->state_load(port->ctx, buf, sizeof(buf)), -ENOENT);

	CHECK_EQ(port->state_save(port->ctx, "first", 5), 0);
	CHECK_EQ(port->state_load(port->ctx, buf, sizeof(buf)), 5);
	CHECK(memcmp(buf, "first", 5) == 0);

	CHECK_EQ(port->state_save(port->ctx, "second record", 13), 0);
	CHECK_EQ(port->state_load(port->ctx, buf, sizeof(buf)), 13);
	CHECK(memcmp(buf, "second record", 13) == 0);
	CHECK_EQ(port->state_load(port->ctx, buf, 12), -EMSGSIZE);

	path_of(path, sizeof(path), "state", "ota_state.tmp");
	CHECK_EQ(stat(path, &st), -1);
	path_of(path, sizeof(path), "state", "ota_state.bin");
	CHECK_EQ(stat(path, &st), 0);
	CHECK_EQ(st.st_size, 13);

	ota_posix_destroy(posix);
}

static void test_time(void)
{
	struct ota_posix *posix = create("time");
	const struct ota_port *port = ota_posix_port(posix);
	uint32_t before = port->uptime_ms(port->ctx);

	port->sleep_ms(port->ctx, 30);
	CHECK(port->uptime_ms(port->ctx) - before >= 30);

	ota_posix_destroy(posix);
}

int main(int argc, char **argv)
{
	if (argc != 2) {
		fprintf(stderr, "usage: %s SCRATCH_FOLDER\n", argv[0]);
		return 2;
	}

	snprintf(root, sizeof(root), "%s", argv[1]);
	rm_tree(root);
	if (mkdir(root, 0777) < 0) {
		perror(root);
		return 2;
	}

	ota_posix_set_log_level(OTA_POSIX_LOG_NONE);
	test_create();
	test_create_refuses();
	test_files();
	test_slots();
	test_trailer();
	test_state();
	test_time();

	if (failures > 0) {
		fprintf(stderr, "%d checks failed\n", failures);
		return 1;
	}

	printf("posix port: all checks passed\n");
	return 0;
}
