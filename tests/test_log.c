// SPDX-License-Identifier: GPL-2.0-only
/*
 * Unit tests of the error printing under -j (loader/log.c with json_unwind in
 * loader/json.c): a child process prints part of a document, reports errors
 * and exits; its whole stdout must be the one document expected, and its
 * stderr what a script's log should get. Needs no root and no namespace.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "check.h"
#include "json.h"
#include "log.h"

/* What a command does before it exits: print a part of its document, report errors. */
typedef void (*scenario_fn)(void);

/* Runs fn in a child with -j on (or off) that exits with status; its stdout and stderr. */
static int run(scenario_fn fn, bool json, int status, char *out, char *err, size_t len)
{
	FILE *fo = tmpfile(), *fe = tmpfile();
	int wstatus = -1;
	size_t n;
	pid_t pid;

	if (!fo || !fe)
		return -1;
	fflush(stdout);
	fflush(stderr);
	pid = fork();
	if (pid == 0) {
		dup2(fileno(fo), 1);
		dup2(fileno(fe), 2);
		json_output = json;
		fn();
		exit(status);
	}
	waitpid(pid, &wstatus, 0);
	rewind(fo);
	n = fread(out, 1, len - 1, fo);
	out[n] = '\0';
	rewind(fe);
	n = fread(err, 1, len - 1, fe);
	err[n] = '\0';
	fclose(fo);
	fclose(fe);
	return WIFEXITED(wstatus) ? WEXITSTATUS(wstatus) : -1;
}

static void one_error(void)
{
	pr_err("route del: %s: no such route", "10.9.9.0/24");
}

static void two_errors(void)
{
	pr_err_line("f.conf:%d: bad \"prefix\"", 4);
	pr_err_line("f.conf:%d: unknown statement", 5);
}

/* route show failing half-way: an array, an object, a key without its value */
static void half_array(void)
{
	json_array_start();
	json_object_start();
	json_kv_string("dst", "10.0.0.0/8");
	json_object_end();
	json_object_start();
	json_kv_string("dst", "10.1.0.0/16");
	json_key("via");
	pr_err("route show: %s", "reading routes: No such device");
}

/* apply failing after its summary: the object stays open for the error */
static void half_object(void)
{
	json_object_start();
	json_key("routes");
	json_object_start();
	json_kv_uint("added", 1);
	json_object_end();
	pr_err("apply: neigh %s: %s", "fe80::1", "Argument list too long");
}

static void many_errors(void)
{
	int i;

	for (i = 0; i < 70; i++)
		pr_err("sync: error %d", i);
}

static void has_member_and_warns(void)
{
	json_array_start();
	json_array_end();
	pr_err("sync: warning: %s", "something");
}

int main(void)
{
	char out[8192], err[8192];
	int rc;

	check_suite = "log";
	setvbuf(stdout, NULL, _IOLBF, 0);

	rc = run(one_error, true, 1, out, err, sizeof(out));
	CHECK_ONE("json-one-error",
		  rc == 1 &&
			  !strcmp(out, "{\"error\":\"route del: 10.9.9.0/24: no such route\"}\n") &&
			  !*err,
		  "exit %d, stdout %s, stderr %s", rc, out, err);

	rc = run(one_error, false, 1, out, err, sizeof(out));
	CHECK_ONE("text-one-error",
		  rc == 1 && !*out &&
			  !strcmp(err, "v4via6: route del: 10.9.9.0/24: no such route\n"),
		  "exit %d, stdout %s, stderr %s", rc, out, err);

	rc = run(two_errors, true, 1, out, err, sizeof(out));
	CHECK_ONE(
		"json-error-list",
		rc == 1 && !*err &&
			!strcmp(out,
				"{\"error\":\"f.conf:4: bad \\\"prefix\\\"\",\"errors\":["
				"\"f.conf:4: bad \\\"prefix\\\"\",\"f.conf:5: unknown statement\"]}\n"),
		"exit %d, stdout %s, stderr %s", rc, out, err);

	rc = run(two_errors, false, 1, out, err, sizeof(out));
	CHECK_ONE("text-error-list",
		  rc == 1 && !*out &&
			  !strcmp(err, "f.conf:4: bad \"prefix\"\nf.conf:5: unknown statement\n"),
		  "exit %d, stdout %s, stderr %s", rc, out, err);

	rc = run(half_array, true, 1, out, err, sizeof(out));
	CHECK_ONE(
		"json-error-in-array",
		rc == 1 && !*err &&
			!strcmp(out,
				"[{\"dst\":\"10.0.0.0/8\"},{\"dst\":\"10.1.0.0/16\",\"via\":null},"
				"{\"error\":\"route show: reading routes: No such device\"}]\n"),
		"exit %d, stdout %s, stderr %s", rc, out, err);

	rc = run(half_object, true, 1, out, err, sizeof(out));
	CHECK_ONE(
		"json-error-in-object",
		rc == 1 && !*err &&
			!strcmp(out,
				"{\"routes\":{\"added\":1},\"error\":\"apply: neigh fe80::1: Argument "
				"list too long\"}\n"),
		"exit %d, stdout %s, stderr %s", rc, out, err);

	rc = run(many_errors, true, 1, out, err, sizeof(out));
	CHECK_ONE("json-errors-capped",
		  rc == 1 && !*err && strstr(out, "\"sync: error 63\",\"(6 more)\"]}\n") &&
			  !strstr(out, "error 64"),
		  "exit %d, stdout %s, stderr %s", rc, out, err);

	/* a command that succeeds: its document alone on stdout, what it said on stderr */
	rc = run(has_member_and_warns, true, 0, out, err, sizeof(out));
	CHECK_ONE("json-success-warns-on-stderr",
		  rc == 0 && !strcmp(out, "[]\n") &&
			  !strcmp(err, "v4via6: sync: warning: something\n"),
		  "exit %d, stdout %s, stderr %s", rc, out, err);

	return check_failures ? 1 : 0;
}
