/* main.c — the qtrace command line: dispatches to one cmd_*.c per subcommand (the server and
 * the offline verifier among them), and answers `--help` for each from its usage text. */
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "cli/cmd.h"
#include "util/jalloc.h"

static void usage(FILE *f)
{
	fputs("usage: qtrace <command> [args]\n"
	      "\n"
	      "commands:\n"
	      "  code parse TEXT... | -      parse scanned codes, one JSON object per input\n"
	      "  code gen --scheme gs1|ecode|dic --gtin G [--lot L] --count N [--host H]\n"
	      "                               generate new unique serialised codes\n"
	      "  uscc check CODE... | -       check 统一社会信用代码\n"
	      "  init --db FILE [--origin NAME] [--catalog FILE|none]\n"
	      "                               create a ledger database and its signing key\n"
	      "  verify --db FILE [--key VKEY] [--checkpoint FILE]\n"
	      "                               check every record, node, checkpoint and document\n"
	      "  serve --db FILE [--listen HOST:PORT] [--threads N] [--access-log FILE|-|off]\n"
	      "        [--public-url https://HOST[:PORT]] [--web DIR]\n"
	      "                               run the platform's HTTP server\n"
	      "  account add --db FILE --role regulator|inspection|system --name NAME\n"
	      "              [--jurisdiction 00|PP|PPCC|PPCCXX]\n"
	      "                               an account that does not register itself\n"
	      "  draw verify --db FILE --draw INDEX\n"
	      "                               recompute a published draw from its record\n"
	      "  label --db FILE --batch ID --out DIR [--symbology qr|datamatrix|gs1-128]\n"
	      "        [--format svg|png] [--sheet a4] [--public-url URL]\n"
	      "                               print labels for every code of a batch\n"
	      "  help                         this text (qtrace CMD --help: one command's)\n",
	      f);
}

static const struct command {
	const char *name;
	int (*run)(int argc, char **argv);
	const char *usage;
} commands[] = {
        {"code", qt_cmd_code, qt_usage_code},    {"uscc", qt_cmd_uscc, qt_usage_uscc},
        {"init", qt_cmd_init, qt_usage_init},    {"verify", qt_cmd_verify, qt_usage_verify},
        {"serve", qt_cmd_serve, qt_usage_serve}, {"account", qt_cmd_account, qt_usage_account},
        {"draw", qt_cmd_draw, qt_usage_draw},    {"label", qt_cmd_label, qt_usage_label},
};

static bool is_help(const char *arg)
{
	return strcmp(arg, "--help") == 0 || strcmp(arg, "-h") == 0;
}

int main(int argc, char **argv)
{
	const struct command *c = NULL;
	int status = QT_EXIT_USAGE;

	qt_jalloc_install(); /* before any jansson value exists */
	if (argc < 2) {
		usage(stderr);
		goto out;
	}
	if (strcmp(argv[1], "help") == 0 || is_help(argv[1])) {
		usage(stdout);
		status = QT_EXIT_OK;
		goto out;
	}
	for (size_t i = 0; !c && i < sizeof commands / sizeof commands[0]; i++)
		if (strcmp(argv[1], commands[i].name) == 0)
			c = &commands[i];
	if (!c) {
		fprintf(stderr, "qtrace: unknown command '%s'\n", argv[1]);
		usage(stderr);
		goto out;
	}
	/* `qtrace CMD … --help`: its usage on stdout, and nothing done */
	for (int i = 2; i < argc; i++)
		if (is_help(argv[i])) {
			fputs(c->usage, stdout);
			status = QT_EXIT_OK;
			goto out;
		}
	status = c->run(argc - 2, argv + 2);
out:
	return status;
}
