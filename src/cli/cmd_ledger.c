/* cmd_ledger.c — `qtrace init` (a new database and its signing key) and `qtrace verify` (the
 * offline check anyone can run with the database and the public key alone). */
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <sodium.h>

#include "cli/cli_util.h"
#include "cli/cmd.h"
#include "ledger/log.h"

#define DEFAULT_ORIGIN "qtrace.example/ledger"

int qt_cmd_init(int argc, char **argv)
{
	static const char *const names[] = {"--db", "--origin"};
	const char *slots[2] = {NULL, DEFAULT_ORIGIN};
	char vkey[512];
	qt_err err;

	if (!qt_cli_take_opts("init", argc, argv, names, slots, 2) || !slots[0]) {
		fputs("usage: qtrace init --db FILE [--origin NAME]\n", stderr);
		return QT_EXIT_USAGE;
	}
	if (qt_ledger_init(slots[0], slots[1], vkey, sizeof vkey, &err) != QT_OK) {
		fprintf(stderr, "qtrace init: %s\n", err.msg);
		return QT_EXIT_FAIL;
	}
	fprintf(stderr, "created %s and its signing key %s.key (keep it private)\n", slots[0],
	        slots[0]);
	printf("%s\n", vkey);
	return QT_EXIT_OK;
}

static void show_progress(uint64_t done, uint64_t total)
{
	fprintf(stderr, "\rverifying: %llu / %llu records (%.0f%%)", (unsigned long long)done,
	        (unsigned long long)total, total ? 100.0 * (double)done / (double)total : 100.0);
	if (done == total)
		fputc('\n', stderr);
}

int qt_cmd_verify(int argc, char **argv)
{
	static const char *const names[] = {"--db", "--key"};
	const char *slots[2] = {NULL, NULL};
	qt_verify_result res;
	char root[sodium_base64_ENCODED_LEN(QT_HASH_LEN, sodium_base64_VARIANT_ORIGINAL)];
	qt_err err;

	if (!qt_cli_take_opts("verify", argc, argv, names, slots, 2) || !slots[0]) {
		fputs("usage: qtrace verify --db FILE [--key VERIFIER_KEY]\n", stderr);
		return QT_EXIT_USAGE;
	}
	if (qt_ledger_verify(slots[0], slots[1], isatty(STDERR_FILENO) ? show_progress : NULL, &res,
	                     &err) != QT_OK) {
		fprintf(stderr, "qtrace verify: FAILED: %s\n", err.msg);
		return QT_EXIT_FAIL;
	}
	sodium_bin2base64(root, sizeof root, res.root.b, QT_HASH_LEN,
	                  sodium_base64_VARIANT_ORIGINAL);
	printf("verified %llu records, tree size %llu, root %s\n", (unsigned long long)res.records,
	       (unsigned long long)res.tree_size, root);
	return QT_EXIT_OK;
}
