// SPDX-License-Identifier: GPL-2.0-only
/* Error printing and the print hooks of libbpf and libxdp (see log.h). */
#include <stdarg.h>
#include <stdio.h>
#include <bpf/libbpf.h>
#include <xdp/libxdp.h>

#include "log.h"

bool verbose;
bool json_output;

void pr_err(const char *fmt, ...)
{
	va_list ap;

	fputs("v4via6: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
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
