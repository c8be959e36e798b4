/* cmd_serve.c — `qtrace serve` (the platform's HTTP server) and `qtrace account add` (the
 * accounts that do not register themselves: regulators, inspection bodies, platforms). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli_util.h"
#include "cli/cmd.h"
#include "core/platform.h"
#include "http/server.h"
#include "labels/label.h"

const char qt_usage_serve[] =
        "usage: qtrace serve --db FILE [--listen HOST:PORT] [--threads N] "
        "[--access-log FILE|-|off] [--public-url https://HOST[:PORT]] [--web DIR]\n";
const char qt_usage_account[] =
        "usage: qtrace account add --db FILE --role regulator|inspection|system --name NAME "
        "[--jurisdiction 00|PP|PPCC|PPCCXX]\n"
        "  --jurisdiction: a regulator's area by division code: 00 national, 2 digits a\n"
        "  province, 4 a city, 6 a county (GB/T 2260).\n";

static void announce(void *ctx, unsigned port)
{
	const char *listen = ctx;
	char host[64];
	const char *colon = strrchr(listen, ':');
	size_t n = colon ? (size_t)(colon - listen) : 0;

	snprintf(host, sizeof host, "%.*s", (int)(n < sizeof host ? n : 0), listen);
	fprintf(stderr, "qtrace: serving on http://%s:%u/ (SIGTERM or Ctrl-C stops)\n",
	        host[0] ? host : "0.0.0.0", port);
}

int qt_cmd_serve(int argc, char **argv)
{
	static const char *const names[] = {"--db",         "--listen",     "--threads",
	                                    "--access-log", "--public-url", "--web"};
	const char *slots[6] = {NULL, "127.0.0.1:8080", NULL, "-", NULL, NULL};
	qt_server_opts o = {0};
	FILE *log = NULL;
	qt_err err;
	int status = QT_EXIT_OK;

	if (!qt_cli_take_opts("serve", argc, argv, names, slots, 6) || !slots[0]) {
		fputs(qt_usage_serve, stderr);
		return QT_EXIT_USAGE;
	}
	if (slots[2]) {
		char *end;
		long t = strtol(slots[2], &end, 10);
		if (*end || end == slots[2] || t < 1 || t > QT_HTTP_THREADS_MAX) {
			fprintf(stderr, "qtrace serve: --threads wants 1 to %d, not '%s'\n",
			        QT_HTTP_THREADS_MAX, slots[2]);
			return QT_EXIT_USAGE;
		}
		o.threads = (unsigned)t;
	}
	if (strcmp(slots[3], "-") == 0)
		log = stderr;
	else if (strcmp(slots[3], "off") != 0 && !(log = fopen(slots[3], "a"))) {
		fprintf(stderr, "qtrace serve: cannot open the access log %s\n", slots[3]);
		return QT_EXIT_FAIL;
	}
	o.db = slots[0];
	o.listen = slots[1];
	o.access_log = log;
	o.public_url = slots[4];
	o.web_root = slots[5];
	o.ready = announce;
	o.ready_ctx = (void *)slots[1];
	if (qt_server_run(&o, &err) != QT_OK) {
		fprintf(stderr, "qtrace serve: %s\n", err.msg);
		status = QT_EXIT_FAIL;
	} else {
		fputs("qtrace: stopped\n", stderr);
	}
	if (log && log != stderr)
		fclose(log);
	qt_label_cleanup(); /* the labels drawn while serving */
	return status;
}

int qt_cmd_account(int argc, char **argv)
{
	static const char *const names[] = {"--db", "--role", "--name", "--jurisdiction"};
	const char *slots[4] = {NULL, NULL, NULL, NULL};
	char token[QT_TOKEN_LEN + 1], id[QT_ID_MAX];
	qt_platform *p = NULL;
	unsigned role;
	qt_err err;
	int status = QT_EXIT_OK;

	if (argc < 1 || strcmp(argv[0], "add") != 0 ||
	    !qt_cli_take_opts("account add", argc - 1, argv + 1, names, slots, 4) || !slots[0] ||
	    !slots[1] || !slots[2]) {
		fputs(qt_usage_account, stderr);
		return QT_EXIT_USAGE;
	}
	role = qt_role_parse(slots[1]);
	if (qt_platform_open(slots[0], &p, &err) != QT_OK ||
	    qt_accounts_add(p, role, slots[2], slots[3], token, id, &err) != QT_OK) {
		fprintf(stderr, "qtrace account add: %s\n", err.msg);
		status = QT_EXIT_FAIL;
	} else {
		fprintf(stderr, "account %s (%s) created; its token is shown only now:\n", id,
		        slots[1]);
		printf("%s\n", token);
	}
	qt_platform_close(p);
	return status;
}
