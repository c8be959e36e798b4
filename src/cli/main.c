/* main.c — the qtrace command line: dispatches to one cmd_*.c per subcommand. The server and
 * the offline verifier will be subcommands of this same program. */
#include <stdio.h>
#include <string.h>

#include "cli/cmd.h"

static void usage(FILE *f)
{
	fputs("usage: qtrace <command> [args]\n"
	      "\n"
	      "commands:\n"
	      "  code parse TEXT... | -      parse scanned codes, one JSON object per input\n"
	      "  code gen --scheme gs1|ecode|dic --gtin G [--lot L] --count N [--host H]\n"
	      "                               generate new unique serialised codes\n"
	      "  uscc check CODE... | -       check 统一社会信用代码\n"
	      "  init --db FILE [--origin NAME]\n"
	      "                               create a ledger database and its signing key\n"
	      "  verify --db FILE [--key VKEY] [--checkpoint FILE]\n"
	      "                               check every record, node and checkpoint\n"
	      "  serve --db FILE [--listen HOST:PORT] [--threads N] [--access-log FILE|-|off]\n"
	      "                               run the platform's HTTP server\n"
	      "  account add --db FILE --role regulator|inspection|system --name NAME\n"
	      "              [--jurisdiction 00|PP|PPCC]\n"
	      "                               an account that does not register itself\n"
	      "  draw verify --db FILE --draw INDEX\n"
	      "                               recompute a published draw from its record\n"
	      "  label --db FILE --batch ID --out DIR [--symbology qr|datamatrix|gs1-128]\n"
	      "        [--format svg|png] [--sheet a4] [--public-url URL]\n"
	      "                               print labels for every code of a batch\n"
	      "  help                         this text\n",
	      f);
}

int main(int argc, char **argv)
{
	int status = QT_EXIT_USAGE;

	if (argc < 2) {
		usage(stderr);
		goto out;
	}
	if (strcmp(argv[1], "code") == 0)
		status = qt_cmd_code(argc - 2, argv + 2);
	else if (strcmp(argv[1], "uscc") == 0)
		status = qt_cmd_uscc(argc - 2, argv + 2);
	else if (strcmp(argv[1], "init") == 0)
		status = qt_cmd_init(argc - 2, argv + 2);
	else if (strcmp(argv[1], "verify") == 0)
		status = qt_cmd_verify(argc - 2, argv + 2);
	else if (strcmp(argv[1], "serve") == 0)
		status = qt_cmd_serve(argc - 2, argv + 2);
	else if (strcmp(argv[1], "account") == 0)
		status = qt_cmd_account(argc - 2, argv + 2);
	else if (strcmp(argv[1], "draw") == 0)
		status = qt_cmd_draw(argc - 2, argv + 2);
	else if (strcmp(argv[1], "label") == 0)
		status = qt_cmd_label(argc - 2, argv + 2);
	else if (strcmp(argv[1], "help") == 0 || strcmp(argv[1], "--help") == 0 ||
	         strcmp(argv[1], "-h") == 0) {
		usage(stdout);
		status = QT_EXIT_OK;
	} else {
		fprintf(stderr, "qtrace: unknown command '%s'\n", argv[1]);
		usage(stderr);
	}
out:
	return status;
}
