/* cmd_uscc.c — `qtrace uscc check CODE... | -`: checks 统一社会信用代码 from the arguments or
 * stdin and prints one compact JSON object per input, in input order, so a script can pair each
 * result with its line. Exit status: 0 all valid, 1 any invalid, 2 usage. */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli_util.h"
#include "cli/cmd.h"
#include "codes/uscc.h"
#include "util/jalloc.h"

/* Longest input checked; a USCC is 18 characters, so this only bounds garbage. */
#define INPUT_CAP 1024

enum outcome { OUT_VALID, OUT_INVALID, OUT_BROKEN }; /* ordered: worst wins */

const char qt_usage_uscc[] =
        "usage: qtrace uscc check CODE... | -\n"
        "\n"
        "Checks 统一社会信用代码 (GB 32100-2015) and prints one JSON object per input.\n"
        "'-' reads one code per line from stdin (blank lines skipped).\n"
        "Exit status: 0 all valid, 1 any invalid, 2 usage error.\n";

static void usage(FILE *f)
{
	fputs(qt_usage_uscc, f);
}

static int print_json(json_t *obj)
{
	char *text = NULL;
	int ok = 0;

	if (!obj)
		goto out;
	text = json_dumps(obj, JSON_COMPACT);
	if (!text)
		goto out;
	ok = fputs(text, stdout) >= 0 && putchar('\n') != EOF;
out:
	qt_jalloc_free_text(text);
	json_decref(obj);
	return ok;
}

/* Check one input and print its object; inputs over INPUT_CAP are echoed cut to it. */
static enum outcome check_one(const char *s, size_t n)
{
	enum outcome result = OUT_INVALID;
	qt_uscc u;
	qt_err err = {{0}};
	json_t *obj;

	if (n > INPUT_CAP) {
		snprintf(err.msg, sizeof err.msg, "input longer than %d bytes", INPUT_CAP);
		n = INPUT_CAP;
	} else if (qt_uscc_parse(s, n, &u, &err) == QT_OK) {
		result = OUT_VALID;
	}
	if (result == OUT_VALID)
		obj = json_pack("{s:o, s:b, s:s#, s:s, s:s#, s:s, s:s, s:s, s:s, s:s}", "input",
		                qt_cli_json_text(s, n), "valid", 1, "authority", &u.authority, 1,
		                "authority_name", u.authority_name, "category", &u.category, 1,
		                "category_name", u.category_name, "division", u.division,
		                "province", u.province_name, "province_code", u.province_code,
		                "org_code", u.org_code);
	else /* messages are UTF-8, but truncation at QT_ERR_MSG_MAX could split a character */
		obj = json_pack("{s:o, s:b, s:o}", "input", qt_cli_json_text(s, n), "valid", 0,
		                "error", qt_cli_json_text(err.msg, strlen(err.msg)));
	if (!print_json(obj)) {
		fprintf(stderr, "qtrace uscc: cannot write the result\n");
		result = OUT_BROKEN;
	}
	return result;
}

static void check_line(const char *line, size_t len, void *arg)
{
	enum outcome *worst = arg, one;
	const char *t = line;
	size_t tn = len;

	/* Whitespace-only lines count as blank; once output failed, nothing more is printed. */
	qt_uscc_trim(&t, &tn);
	if (tn == 0 || *worst == OUT_BROKEN)
		return;
	one = check_one(line, len);
	if (one > *worst)
		*worst = one;
}

int qt_cmd_uscc(int argc, char **argv)
{
	enum outcome worst = OUT_VALID, one;
	int status = QT_EXIT_USAGE;

	if (argc < 1) {
		fprintf(stderr, "qtrace uscc: missing subcommand\n");
		usage(stderr);
		goto out;
	}
	if (strcmp(argv[0], "help") == 0) {
		usage(stdout);
		status = QT_EXIT_OK;
		goto out;
	}
	if (strcmp(argv[0], "check") != 0) {
		fprintf(stderr, "qtrace uscc: unknown subcommand '%s'\n", argv[0]);
		usage(stderr);
		goto out;
	}
	if (argc < 2) {
		fprintf(stderr, "qtrace uscc check: no codes given\n");
		usage(stderr);
		goto out;
	}
	/* Reject options before printing anything: no code starts with '-'. */
	for (int i = 1; i < argc; i++) {
		if (argv[i][0] == '-' && argv[i][1] != '\0') {
			fprintf(stderr, "qtrace uscc check: unknown option '%s'\n", argv[i]);
			usage(stderr);
			goto out;
		}
	}

	for (int i = 1; i < argc && worst != OUT_BROKEN; i++) {
		if (strcmp(argv[i], "-") == 0) {
			one = OUT_VALID;
			if (qt_cli_each_line(stdin, INPUT_CAP, check_line, &one) != QT_OK) {
				fprintf(stderr, "qtrace uscc: cannot read stdin\n");
				one = OUT_BROKEN;
			}
		} else {
			one = check_one(argv[i], strlen(argv[i]));
		}
		if (one > worst)
			worst = one;
	}
	if (fflush(stdout) != 0 && worst != OUT_BROKEN) {
		fprintf(stderr, "qtrace uscc: cannot write the result\n");
		worst = OUT_BROKEN;
	}
	status = worst == OUT_VALID ? QT_EXIT_OK : QT_EXIT_FAIL;
out:
	return status;
}
