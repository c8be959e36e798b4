/* cmd_code.c — `qtrace code parse` and `qtrace code gen`: the trace-code library on the
 * command line. The JSON field names are a contract other tools rely on (see README). */
#include <errno.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/cli_util.h"
#include "cli/cmd.h"
#include "codes/code.h"
#include "util/jalloc.h"

#define DEFAULT_HOST  "qtrace.example"
#define GEN_COUNT_MAX 100000000UL

const char qt_usage_code[] =
        "usage: qtrace code parse TEXT... | -\n"
        "       qtrace code gen --scheme gs1|ecode|dic --gtin G [--lot L] --count N "
        "[--host H]\n";

static void code_usage(void)
{
	fputs(qt_usage_code, stderr);
}

static void set_date(json_t *obj, const char *key, const qt_code *code, const char *ai,
                     int ref_year)
{
	char iso[11];
	const char *v = qt_code_ai(code, ai);
	if (v && qt_gs1_date_iso(v, ref_year, iso) == QT_OK)
		json_object_set_new(obj, key, json_string(iso));
}

static void set_ai(json_t *obj, const char *key, const qt_code *code, const char *ai)
{
	const char *v = qt_code_ai(code, ai);
	if (v)
		json_object_set_new(obj, key, json_string(v));
}

/* One input → one JSON object on one line. Returns 1 when the input was valid. */
static int parse_one(const char *text, size_t len, const qt_code_opts *opts, FILE *out)
{
	qt_code code;
	qt_err err;
	json_t *obj = json_object();
	int valid = 0;
	char *line;

	json_object_set_new(obj, "input", qt_cli_json_text(text, len));
	if (qt_code_parse(text, len, opts, &code, &err) != QT_OK) {
		json_object_set_new(obj, "valid", json_false());
		json_object_set_new(obj, "error", json_string(err.msg));
	} else {
		valid = 1;
		json_object_set_new(obj, "valid", json_true());
		json_object_set_new(obj, "scheme", json_string(qt_code_scheme_name(code.scheme)));
		json_object_set_new(obj, "kind", json_string(qt_code_kind_name(code.kind)));
		json_object_set_new(obj, "canonical",
		                    qt_cli_json_text(code.canonical, code.canonical_len));
		set_ai(obj, "gtin", &code, "01");
		set_ai(obj, "lot", &code, "10");
		set_ai(obj, "serial", &code, "21");
		set_ai(obj, "sscc", &code, "00");
		set_date(obj, "production_date", &code, "11", opts->ref_year);
		set_date(obj, "expiry", &code, "17", opts->ref_year);
		if (code.n_elems > 0) {
			json_t *ais = json_object();
			for (unsigned i = 0; i < code.n_elems; i++)
				json_object_set_new(
				        ais, code.elems[i].ai,
				        qt_cli_json_text(code.elems[i].value, code.elems[i].len));
			json_object_set_new(obj, "ai", ais);
		}
		if (code.ecode_version >= 0) {
			json_object_set_new(obj, "ecode_version", json_integer(code.ecode_version));
			json_object_set_new(obj, "nsi", json_string(code.nsi));
			json_object_set_new(obj, "md", qt_cli_json_text(code.md, strlen(code.md)));
		}
		if (code.dic_id[0])
			json_object_set_new(obj, "dic_id", json_string(code.dic_id));
		if (code.ccc_number[0])
			json_object_set_new(obj, "ccc_number", json_string(code.ccc_number));
	}
	line = json_dumps(obj, JSON_COMPACT | JSON_PRESERVE_ORDER);
	if (line) {
		fputs(line, out);
		fputc('\n', out);
		qt_jalloc_free_text(line);
	}
	json_decref(obj);
	return valid;
}

typedef struct parse_ctx {
	qt_code_opts opts;
	unsigned long invalid;
} parse_ctx;

static void parse_line(const char *line, size_t len, void *arg)
{
	parse_ctx *ctx = arg;
	if (!parse_one(line, len, &ctx->opts, stdout))
		ctx->invalid++;
}

static int cmd_parse(int argc, char **argv)
{
	parse_ctx ctx = {.opts = {.ref_year = 0}, .invalid = 0}; /* 0: this year */
	int status = QT_EXIT_OK;

	if (argc == 0) {
		code_usage();
		status = QT_EXIT_USAGE;
		goto out;
	}
	for (int i = 0; i < argc; i++) {
		if (strcmp(argv[i], "-") == 0) {
			if (qt_cli_each_line(stdin, QT_CODE_INPUT_MAX, parse_line, &ctx) != QT_OK) {
				fprintf(stderr, "qtrace code parse: error reading stdin: %s\n",
				        strerror(errno));
				status = QT_EXIT_USAGE;
				goto out;
			}
		} else {
			parse_line(argv[i], strlen(argv[i]), &ctx);
		}
	}
	if (ctx.invalid > 0)
		status = QT_EXIT_FAIL;
out:
	fflush(stdout);
	return status;
}

/* ---- gen ------------------------------------------------------------------------------ */

typedef struct gen_args {
	const char *scheme, *gtin, *lot, *host;
	unsigned long count;
} gen_args;

static int gen_parse_args(int argc, char **argv, gen_args *g)
{
	static const char *const names[] = {"--scheme", "--gtin", "--lot", "--host", "--count"};
	const char *slots[5] = {NULL, NULL, NULL, DEFAULT_HOST, NULL};
	const char *count;
	int ok = qt_cli_take_opts("code gen", argc, argv, names, slots, 5);

	*g = (gen_args){.scheme = slots[0], .gtin = slots[1], .lot = slots[2], .host = slots[3]};
	count = slots[4];
	if (ok && (!g->scheme || !g->gtin || !count)) {
		fputs("qtrace code gen: --scheme, --gtin and --count are required\n", stderr);
		ok = 0;
	}
	if (ok) {
		char *end;
		errno = 0;
		g->count = strtoul(count, &end, 10);
		if (errno || *end || count[0] == '-' || g->count == 0 || g->count > GEN_COUNT_MAX) {
			fprintf(stderr, "qtrace code gen: --count must be 1 to %lu, got '%s'\n",
			        GEN_COUNT_MAX, count);
			ok = 0;
		}
	}
	if (ok && strcmp(g->scheme, "gs1") && strcmp(g->scheme, "ecode") &&
	    strcmp(g->scheme, "dic")) {
		fprintf(stderr, "qtrace code gen: --scheme must be gs1, ecode or dic, got '%s'\n",
		        g->scheme);
		ok = 0;
	}
	if (ok && (!g->host[0] || strpbrk(g->host, "/?#@ \t"))) {
		fprintf(stderr, "qtrace code gen: --host must be a bare host name, got '%s'\n",
		        g->host);
		ok = 0;
	}
	return ok;
}

/* The fixed part of every generated code, checked once by parsing a sample through the
 * same library a scanner will use, so a bad GTIN or lot fails before any output. */
static int gen_prefix(const gen_args *g, char *prefix, size_t size)
{
	qt_code code;
	qt_err err;
	char bracketed[128], sample[QT_CODE_INPUT_MAX];
	const char *gtin14;
	int ok = 0, n;

	if (qt_gs1_parse_key_digits(g->gtin, strlen(g->gtin), &code, &err) != QT_OK ||
	    !qt_code_ai(&code, "01")) {
		fprintf(stderr, "qtrace code gen: --gtin '%s': %s\n", g->gtin,
		        qt_code_ai(&code, "00") ? "an SSCC is not a GTIN" : err.msg);
		goto out;
	}
	gtin14 = qt_code_ai(&code, "01");
	if (g->lot && strchr(g->lot, '(')) {
		fprintf(stderr, "qtrace code gen: --lot '%s': '(' is not allowed\n", g->lot);
		goto out;
	}
	n = snprintf(bracketed, sizeof bracketed, "(01)%s%s%s(21)0", gtin14, g->lot ? "(10)" : "",
	             g->lot ? g->lot : "");
	if (n < 0 || (size_t)n >= sizeof bracketed) {
		fprintf(stderr, "qtrace code gen: --lot is too long\n");
		goto out;
	}
	if (qt_gs1_parse_bracketed(bracketed, (size_t)n, NULL, &code, &err) != QT_OK) {
		fprintf(stderr, "qtrace code gen: --lot '%s': %s\n", g->lot ? g->lot : "", err.msg);
		goto out;
	}
	if (strcmp(g->scheme, "gs1") == 0) {
		/* Digital Link; the serial is appended per code. */
		if (qt_gs1_format_dl(&code, g->host, sample, sizeof sample) != QT_OK)
			goto out;
		n = snprintf(prefix, size, "%.*s", (int)(strlen(sample) - 1), sample);
	} else if (strcmp(g->scheme, "ecode") == 0) {
		/* Ecode V0 carrying the GS1 code: NSI 0001 says GTIN. */
		n = snprintf(prefix, size, "00001(01)%s%s%s(21)", gtin14, g->lot ? "(10)" : "",
		             g->lot ? g->lot : "");
	} else {
		n = snprintf(prefix, size, "https://%s/t/", g->host);
	}
	ok = n > 0 && (size_t)n < size;
out:
	return ok;
}

static int cmd_gen(int argc, char **argv)
{
	gen_args g;
	char prefix[QT_CODE_INPUT_MAX];
	size_t plen;
	int status = QT_EXIT_USAGE, progress = isatty(STDERR_FILENO) && !isatty(STDOUT_FILENO);
	static char outbuf[1 << 16];

	if (!gen_parse_args(argc, argv, &g)) {
		code_usage();
		goto out;
	}
	if (!gen_prefix(&g, prefix, sizeof prefix))
		goto out;
	plen = strlen(prefix);
	setvbuf(stdout, outbuf, _IOFBF, sizeof outbuf);
	for (unsigned long i = 0; i < g.count;) {
		/* Ids come in batches: one draw from the random source serves many codes. */
		static char ids[1024][QT_DIC_ID_LEN + 1];
		size_t batch = g.count - i < 1024 ? (size_t)(g.count - i) : 1024;
		if (qt_dic_generate_n(ids, batch) != QT_OK) {
			fputs("qtrace code gen: the system's random source failed\n", stderr);
			status = QT_EXIT_FAIL;
			goto out;
		}
		for (size_t k = 0; k < batch; k++, i++) {
			fwrite(prefix, 1, plen, stdout);
			fwrite(ids[k], 1, QT_DIC_ID_LEN, stdout);
			if (fputc('\n', stdout) == EOF) {
				fprintf(stderr, "qtrace code gen: write failed: %s\n",
				        strerror(errno));
				status = QT_EXIT_FAIL;
				goto out;
			}
			if (progress && (i + 1) % 1000000 == 0)
				fprintf(stderr, "\rqtrace code gen: %lu / %lu", i + 1, g.count);
		}
	}
	if (progress && g.count >= 1000000)
		fputc('\n', stderr);
	status = fflush(stdout) == 0 ? QT_EXIT_OK : QT_EXIT_FAIL;
out:
	return status;
}

int qt_cmd_code(int argc, char **argv)
{
	int status = QT_EXIT_USAGE;

	if (argc >= 1 && strcmp(argv[0], "parse") == 0)
		status = cmd_parse(argc - 1, argv + 1);
	else if (argc >= 1 && strcmp(argv[0], "gen") == 0)
		status = cmd_gen(argc - 1, argv + 1);
	else
		code_usage();
	return status;
}
