// SPDX-License-Identifier: GPL-2.0-only
/*
 * Error printing and the print hooks of libbpf and libxdp (see log.h).
 *
 * Under -j, a script reads stdout as one JSON document, so errors go there
 * too, as bpftool -j does: {"error":"<message>"}, without the "v4via6: "
 * prefix. A command may report several errors (apply lists every bad line of
 * a file), and only its exit status says whether they were fatal, so they are
 * held until exit: a failing command then prints one document,
 * {"error":"<first>"} or, with more than one, {"error":"<first>","errors":
 * ["<first>","<second>",...]}; a command that succeeds prints what it held on
 * stderr as text (they were warnings). A command that fails half-way through
 * its own document (an array of routes, apply's summary) gets the error
 * inside that document, which stays the only one: the error object is the
 * array's last element, or the "error" (and "errors") members of the object.
 * So a command that can fail after its output must leave its document open
 * until it knows (apply's summary): a second document would break the first.
 * A long-running command (sync -j) holds its messages until it exits.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <bpf/libbpf.h>
#include <xdp/libxdp.h>

#include "json.h"
#include "log.h"

bool verbose;
bool json_output;

/* More than that many errors is a loop (a sync run with -j): count the rest. */
#define HELD_MAX 64

static struct held {
	char *msg;
	bool prefixed; /* by "v4via6: ", when printed as text */
} held[HELD_MAX];
static unsigned int n_held, n_dropped;

static void print_held(int status, void *arg)
{
	char more[64];
	unsigned int i;
	char kind;

	(void)arg;
	if (!status) {
		for (i = 0; i < n_held; i++)
			fprintf(stderr, "%s%s\n", held[i].prefixed ? "v4via6: " : "", held[i].msg);
		return;
	}
	kind = json_unwind();
	if (kind != '{')
		json_object_start();
	json_kv_string("error", n_held ? held[0].msg : "failed");
	if (n_held > 1) {
		json_key("errors");
		json_array_start();
		for (i = 0; i < n_held; i++)
			json_string(held[i].msg);
		if (n_dropped) {
			snprintf(more, sizeof(more), "(%u more)", n_dropped);
			json_string(more);
		}
		json_array_end();
	}
	json_object_end();
	if (kind == '[')
		json_array_end();
}

static void hold(bool prefixed, const char *fmt, va_list ap)
{
	static bool registered;
	char *msg;

	if (!registered) {
		/* on_exit, not atexit: whether they were errors depends on the status */
		on_exit(print_held, NULL);
		registered = true;
	}
	if (n_held == HELD_MAX || vasprintf(&msg, fmt, ap) < 0) {
		n_dropped++;
		return;
	}
	held[n_held].msg = msg;
	held[n_held++].prefixed = prefixed;
}

static void say(bool prefixed, const char *fmt, va_list ap)
{
	if (json_output) {
		hold(prefixed, fmt, ap);
		return;
	}
	if (prefixed)
		fputs("v4via6: ", stderr);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
}

void pr_err(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	say(true, fmt, ap);
	va_end(ap);
}

void pr_err_line(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	say(false, fmt, ap);
	va_end(ap);
}

static bool libbpf_silenced;

void quiet_libbpf(bool quiet)
{
	libbpf_silenced = quiet;
}

static int libbpf_print(enum libbpf_print_level level, const char *fmt, va_list ap)
{
	if ((level == LIBBPF_DEBUG || libbpf_silenced) && !verbose)
		return 0;
	return vfprintf(stderr, fmt, ap);
}

static int libxdp_print(enum libxdp_print_level level, const char *fmt, va_list ap)
{
	/*
	 * libxdp 1.3.1 warns on every attach that its dispatcher cannot load on
	 * this kernel, then attaches the program alone, which is what we want:
	 * its messages are noise unless asked for.
	 */
	if (!verbose)
		return 0;
	return vfprintf(stderr, fmt, ap);
}

void setup_library_logging(void)
{
	libbpf_set_print(libbpf_print);
	libxdp_set_print(libxdp_print);
}
