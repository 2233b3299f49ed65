/*
 * Copyright (c) 2026 Degu contributors
 * SPDX-License-Identifier: Apache-2.0
 */

/* A tiny assertion helper: every CHECK counts, the summary line says how many failed. */

#ifndef DEGU_OTA_TEST_CHECK_H_
#define DEGU_OTA_TEST_CHECK_H_

#include <stdio.h>
#include <string.h>

extern int check_passed;
extern int check_failed;

#define CHECK(cond)                                                                              \
	do {                                                                                     \
		if (cond) {                                                                      \
			check_passed++;                                                          \
		} else {                                                                         \
			check_failed++;                                                          \
			fprintf(stderr, "%s:%d: CHECK(%s) failed\n", __FILE__, __LINE__, #cond); \
		}                                                                                \
	} while (0)

#define CHECK_INT(got, want)                                                                     \
	do {                                                                                     \
		long long got_ = (long long)(got);                                               \
		long long want_ = (long long)(want);                                             \
		if (got_ == want_) {                                                             \
			check_passed++;                                                          \
		} else {                                                                         \
			check_failed++;                                                          \
			fprintf(stderr, "%s:%d: %s is %lld, want %lld\n", __FILE__, __LINE__,    \
				#got, got_, want_);                                              \
		}                                                                                \
	} while (0)

#define CHECK_STR(got, want)                                                                     \
	do {                                                                                     \
		const char *got_ = (got);                                                        \
		const char *want_ = (want);                                                      \
		if (got_ != NULL && strcmp(got_, want_) == 0) {                                  \
			check_passed++;                                                          \
		} else {                                                                         \
			check_failed++;                                                          \
			fprintf(stderr, "%s:%d: %s is \"%s\", want \"%s\"\n", __FILE__,          \
				__LINE__, #got, got_ != NULL ? got_ : "(null)", want_);          \
		}                                                                                \
	} while (0)

/* @p hay contains @p needle. */
#define CHECK_HAS(hay, needle)                                                                   \
	do {                                                                                     \
		const char *hay_ = (hay);                                                        \
		if (strstr(hay_, (needle)) != NULL) {                                            \
			check_passed++;                                                          \
		} else {                                                                         \
			check_failed++;                                                          \
			fprintf(stderr, "%s:%d: \"%s\" lacks \"%s\"\n", __FILE__, __LINE__, hay_, \
				(needle));                                                       \
		}                                                                                \
	} while (0)

#define CHECK_LACKS(hay, needle)                                                                 \
	do {                                                                                     \
		const char *hay_ = (hay);                                                        \
		if (strstr(hay_, (needle)) == NULL) {                                            \
			check_passed++;                                                          \
		} else {                                                                         \
			check_failed++;                                                          \
			fprintf(stderr, "%s:%d: \"%s\" has \"%s\"\n", __FILE__, __LINE__, hay_,  \
				(needle));                                                       \
		}                                                                                \
	} while (0)

/** Print "N passed, M failed"; @return the exit code of the test program. */
int check_summary(const char *name);

#endif /* DEGU_OTA_TEST_CHECK_H_ */
