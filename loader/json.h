/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * A tiny JSON writer for -j: one document on stdout, commas placed by the
 * writer, strings escaped. A document ends with a newline when its outermost
 * object or array closes.
 */
#ifndef V4VIA6_JSON_H
#define V4VIA6_JSON_H

#include <stdbool.h>

void json_object_start(void);
void json_object_end(void);
void json_array_start(void);
void json_array_end(void);
/* The key of the next value in an object. */
void json_key(const char *key);
void json_string(const char *s);
void json_uint(unsigned long long v);
void json_double(double v);
void json_bool(bool v);
void json_null(void);

/* key + value, for objects */
void json_kv_string(const char *key, const char *s);
void json_kv_uint(const char *key, unsigned long long v);
void json_kv_bool(const char *key, bool v);
void json_kv_double(const char *key, double v);

/*
 * For a command that fails half-way through its document: gives a pending key
 * null and closes every container but the outermost, so that the error can be
 * written into it (log.c). Returns the outermost's '[' or '{', or 0 when no
 * document is open.
 */
char json_unwind(void);

#endif /* V4VIA6_JSON_H */
