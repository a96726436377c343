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

static void put_escaped(const char *s)
{
	const unsigned char *p;

	putchar('"');
	for (p = (const unsigned char *)s; *p; p++) {
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
			if (*p < 0x20)
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
