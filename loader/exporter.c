// SPDX-License-Identifier: GPL-2.0-only
/*
 * v4via6 exporter: serves the metrics (metrics.h) at /metrics over HTTP,
 * with libmicrohttpd. Each scrape opens the pins and reads the maps anew: no
 * number is older than the scrape, and a program detached and attached again
 * is seen at the next scrape (v4via6_up 0, then 1 with the new maps).
 *
 * One libmicrohttpd thread serves the connections one after another, so the
 * scrapes never run at the same time; the main thread waits for SIGINT or
 * SIGTERM. The listening socket is made here, so that a port in use or a bad
 * address is reported with the kernel's reason before anything starts.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netdb.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <microhttpd.h>

#include "cmd.h"
#include "commands.h"
#include "common.h"
#include "metrics.h"

/*
 * 9469: in the range Prometheus exporters use (9100-9999), away from the ones
 * a router runs besides (node_exporter 9100, Prometheus itself 9090).
 */
#define EXPORTER_LISTEN_DEFAULT "127.0.0.1:9469"

const char exporter_usage[] =
	"Usage: v4via6 exporter [--listen ADDR:PORT]\n"
	"  Serves the metrics of `v4via6 metrics` over HTTP at /metrics, read from the maps at\n"
	"  each scrape, until SIGINT or SIGTERM.\n"
	"  --listen ADDR:PORT   address to listen on (default " EXPORTER_LISTEN_DEFAULT
	"; [::1]:9469\n"
	"                       for IPv6; 0.0.0.0 or [::] to be reached from other hosts)\n";

struct exporter {
	char pin_dir[PATH_MAX];
};

/* ADDR:PORT or [ADDR6]:PORT, numeric only (no DNS lookup for a local socket). */
static int parse_listen(const char *s, struct sockaddr_storage *ss, socklen_t *sslen)
{
	struct addrinfo hints = { .ai_flags = AI_NUMERICHOST | AI_NUMERICSERV | AI_PASSIVE,
				  .ai_socktype = SOCK_STREAM };
	struct addrinfo *res;
	char host[INET6_ADDRSTRLEN + 2];
	const char *colon, *port;
	char *end;
	long p;

	if (s[0] == '[') {
		colon = strstr(s, "]:");
		if (!colon || (size_t)(colon - s - 1) >= sizeof(host))
			return -EINVAL;
		memcpy(host, s + 1, colon - s - 1);
		host[colon - s - 1] = '\0';
		port = colon + 2;
	} else {
		colon = strrchr(s, ':');
		if (!colon || (size_t)(colon - s) >= sizeof(host) || strchr(s, ':') != colon)
			return -EINVAL;
		memcpy(host, s, colon - s);
		host[colon - s] = '\0';
		port = colon + 1;
	}
	errno = 0;
	p = strtol(port, &end, 10);
	if (!*host || !*port || *end || errno || p < 1 || p > 65535)
		return -EINVAL;
	if (getaddrinfo(host, port, &hints, &res))
		return -EINVAL;
	memcpy(ss, res->ai_addr, res->ai_addrlen);
	*sslen = res->ai_addrlen;
	freeaddrinfo(res);
	return 0;
}

static int listen_on(const struct sockaddr_storage *ss, socklen_t len)
{
	int fd, one = 1, err;

	fd = socket(ss->ss_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	/* a restart must not wait for the old connections' TIME_WAIT */
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (ss->ss_family == AF_INET6)
		setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof(one));
	if (bind(fd, (const struct sockaddr *)ss, len) || listen(fd, 64)) {
		err = -errno;
		close(fd);
		return err;
	}
	return fd;
}

static enum MHD_Result reply(struct MHD_Connection *conn, unsigned int status, const char *type,
			     char *body, size_t len, enum MHD_ResponseMemoryMode mode)
{
	struct MHD_Response *r;
	enum MHD_Result ret;

	r = MHD_create_response_from_buffer(len, body, mode);
	if (!r) {
		if (mode == MHD_RESPMEM_MUST_FREE)
			free(body);
		return MHD_NO;
	}
	MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, type);
	if (status == MHD_HTTP_METHOD_NOT_ALLOWED)
		MHD_add_response_header(r, MHD_HTTP_HEADER_ALLOW, "GET, HEAD");
	ret = MHD_queue_response(conn, status, r);
	MHD_destroy_response(r);
	return ret;
}

static enum MHD_Result serve(void *cls, struct MHD_Connection *conn, const char *url,
			     const char *method, const char *version, const char *upload_data,
			     size_t *upload_data_size, void **con_cls)
{
	static char index[] = "v4via6 exporter: the metrics are at /metrics\n";
	static char not_found[] = "not found: the metrics are at /metrics\n";
	static char not_allowed[] = "method not allowed: GET or HEAD\n";
	const char *text = "text/plain; charset=utf-8";
	struct exporter *ex = cls;
	char *buf = NULL;
	size_t len = 0;
	FILE *f;

	if (strcmp(method, MHD_HTTP_METHOD_GET) && strcmp(method, MHD_HTTP_METHOD_HEAD))
		return reply(conn, MHD_HTTP_METHOD_NOT_ALLOWED, text, not_allowed,
			     strlen(not_allowed), MHD_RESPMEM_PERSISTENT);
	if (!strcmp(url, "/"))
		return reply(conn, MHD_HTTP_OK, text, index, strlen(index), MHD_RESPMEM_PERSISTENT);
	if (strcmp(url, "/metrics"))
		return reply(conn, MHD_HTTP_NOT_FOUND, text, not_found, strlen(not_found),
			     MHD_RESPMEM_PERSISTENT);
	f = open_memstream(&buf, &len);
	if (!f)
		return MHD_NO;
	if (metrics_write(f, ex->pin_dir)) {
		fclose(f);
		free(buf);
		return MHD_NO;
	}
	fclose(f);
	return reply(conn, MHD_HTTP_OK, METRICS_CONTENT_TYPE, buf, len, MHD_RESPMEM_MUST_FREE);
}

int do_exporter(int argc, char **argv)
{
	static const char *listen_arg = EXPORTER_LISTEN_DEFAULT;
	struct sockaddr_storage ss;
	struct MHD_Daemon *d;
	struct exporter ex;
	socklen_t sslen;
	sigset_t sigs;
	int i, fd, sig;

	for (i = 0; i < argc; i++) {
		if (!strcmp(argv[i], "--listen") || !strcmp(argv[i], "-l")) {
			if (++i >= argc)
				return usage_error("--listen: missing ADDR:PORT");
			listen_arg = argv[i];
		} else if (!strncmp(argv[i], "--listen=", 9)) {
			listen_arg = argv[i] + 9;
		} else {
			return usage_error("%s: unknown argument", argv[i]);
		}
	}
	if (parse_listen(listen_arg, &ss, &sslen)) {
		pr_err("exporter: --listen %s: not an IP address and port (like 127.0.0.1:9469 or "
		       "[::1]:9469)",
		       listen_arg);
		return EXIT_FAIL;
	}
	/* before any thread: resolve_pin_dir may join another mount namespace */
	if (metrics_pin_dir(ex.pin_dir, sizeof(ex.pin_dir)))
		return EXIT_FAIL;
	fd = listen_on(&ss, sslen);
	if (fd < 0) {
		pr_err("exporter: listening on %s: %s", listen_arg, strerror(-fd));
		return EXIT_FAIL;
	}
	/* the server's thread inherits the mask: the signals come to sigwait below */
	sigemptyset(&sigs);
	sigaddset(&sigs, SIGINT);
	sigaddset(&sigs, SIGTERM);
	pthread_sigmask(SIG_BLOCK, &sigs, NULL);
	signal(SIGPIPE, SIG_IGN);
	d = MHD_start_daemon(MHD_USE_AUTO_INTERNAL_THREAD | MHD_USE_ERROR_LOG, 0, NULL, NULL, serve,
			     &ex, MHD_OPTION_LISTEN_SOCKET, fd, MHD_OPTION_CONNECTION_TIMEOUT, 10U,
			     MHD_OPTION_END);
	if (!d) {
		pr_err("exporter: starting the HTTP server on %s failed", listen_arg);
		close(fd);
		return EXIT_FAIL;
	}
	fprintf(stderr, "v4via6: exporter: serving http://%s/metrics (pin dir %s)\n", listen_arg,
		ex.pin_dir);
	while (sigwait(&sigs, &sig) == 0 && sig != SIGINT && sig != SIGTERM)
		;
	MHD_stop_daemon(d);
	close(fd);
	fprintf(stderr, "v4via6: exporter: stopped (%s)\n", strsignal(sig));
	return EXIT_OK;
}
