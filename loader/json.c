// SPDX-License-Identifier: GPL-2.0-only
/* The JSON writer of -j (see json.h). */
#include <stdio.h>

#include "json.h"

#define JSON_MAX_DEPTH 16

/* Per open object or array: has it a member yet (so the next needs a comma)? */
static bool has_member[JSON_MAX_DEPTH];
static int depth;
/* A key was just written: the value follows it without a comma. */
static bool after_key;
/* '[' or '{' per open container, for json_unwind. */
static char kind[JSON_MAX_DEPTH];

static void before_value(void)
{
	if (after_key) {
		after_key = false;
		return;
	}
	if (depth > 0 && depth <= JSON_MAX_DEPTH) {
		if (has_member[depth - 1])
			putchar(',');
		has_member[depth - 1] = true;
	}
}

static void container_open(char c)
{
	before_value();
	putchar(c);
	if (depth < JSON_MAX_DEPTH) {
		has_member[depth] = false;
		kind[depth] = c;
	}
	depth++;
}

static void container_close(char c)
{
	putchar(c);
	if (--depth == 0)
		putchar('\n');
}

void json_object_start(void)
{
	container_open('{');
}

void json_object_end(void)
{
	container_close('}');
}

void json_array_start(void)
{
	container_open('[');
}

void json_array_end(void)
{
	container_close(']');
}

/*
 * The length of the valid UTF-8 sequence at p (1 to 4), or 0 when it is not
 * one: a stray continuation byte, a truncated sequence, an overlong form, a
 * surrogate or a code point above U+10FFFF (RFC 3629).
 */
static int utf8_len(const unsigned char *p)
{
	unsigned char lo = 0x80, hi = 0xbf;
	int n, i;

	if (*p < 0x80)
		return 1;
	if (*p >= 0xc2 && *p <= 0xdf)
		n = 2;
	else if (*p >= 0xe0 && *p <= 0xef)
		n = 3;
	else if (*p >= 0xf0 && *p <= 0xf4)
		n = 4;
	else
		return 0;
	/* the second byte's range excludes overlongs, surrogates and > U+10FFFF */
	if (*p == 0xe0)
		lo = 0xa0;
	else if (*p == 0xed)
		hi = 0x9f;
	else if (*p == 0xf0)
		lo = 0x90;
	else if (*p == 0xf4)
		hi = 0x8f;
	for (i = 1; i < n; i++) {
		if (p[i] < lo || p[i] > hi)
			return 0;
		lo = 0x80, hi = 0xbf;
	}
	return n;
}

/*
 * A JSON string. Interface names are bytes, not text: a byte that is not part
 * of valid UTF-8 is written as the code point of the same value (\u00XX), so
 * the document stays valid JSON and still shows which byte was there.
 */
static void put_escaped(const char *s)
{
	const unsigned char *p;
	int n;

	putchar('"');
	for (p = (const unsigned char *)s; *p; p += n) {
		n = utf8_len(p);
		if (n > 1) {
			fwrite(p, 1, n, stdout);
			continue;
		}
		n = 1;
		switch (*p) {
		case '"':
			fputs("\\\"", stdout);
			break;
		case '\\':
			fputs("\\\\", stdout);
			break;
		case '\n':
			fputs("\\n", stdout);
			break;
		case '\t':
			fputs("\\t", stdout);
			break;
		case '\r':
			fputs("\\r", stdout);
			break;
		default:
			if (*p < 0x20 || *p >= 0x7f)
				printf("\\u%04x", *p);
			else
				putchar(*p);
		}
	}
	putchar('"');
}

void json_key(const char *key)
{
	before_value();
	put_escaped(key);
	putchar(':');
	after_key = true;
}

void json_string(const char *s)
{
	before_value();
	put_escaped(s);
}

void json_uint(unsigned long long v)
{
	before_value();
	printf("%llu", v);
}

/* Three decimals: rates per second; JSON has no NaN or infinity, written as null. */
void json_double(double v)
{
	before_value();
	if (v != v || v > 1e300 || v < -1e300)
		fputs("null", stdout);
	else
		printf("%.3f", v);
}

void json_bool(bool v)
{
	before_value();
	fputs(v ? "true" : "false", stdout);
}

void json_null(void)
{
	before_value();
	fputs("null", stdout);
}

void json_kv_string(const char *key, const char *s)
{
	json_key(key);
	json_string(s);
}

void json_kv_uint(const char *key, unsigned long long v)
{
	json_key(key);
	json_uint(v);
}

void json_kv_bool(const char *key, bool v)
{
	json_key(key);
	json_bool(v);
}

char json_unwind(void)
{
	if (after_key)
		json_null();
	while (depth > 1)
		container_close(depth <= JSON_MAX_DEPTH && kind[depth - 1] == '[' ? ']' : '}');
	return depth ? kind[0] : 0;
}

void json_kv_double(const char *key, double v)
{
	json_key(key);
	json_double(v);
}
