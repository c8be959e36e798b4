/* cmd_ledger.c — `qtrace init` (a new database, its signing key and the trace catalogue) and
 * `qtrace verify` (the offline check anyone can run with the database and the public key
 * alone). */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <sodium.h>

#include "cli/cli_util.h"
#include "cli/cmd.h"
#include "core/catalog.h"
#include "core/replay.h"
#include "ledger/log.h"

#define DEFAULT_ORIGIN  "qtrace.example/ledger"
#define DEFAULT_CATALOG "catalog-batch1.json"

#ifndef QT_DATA_DIR
#define QT_DATA_DIR "data"
#endif

/* The catalogue to load when none is named: ../data/ beside the binary (a build tree in the
 * repository, or an install with data alongside), else the source tree's data/. */
static void default_catalog(char *out, size_t max)
{
	char exe[4096];
	ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
	char *slash;

	out[0] = '\0';
	if (n > 0) {
		exe[n] = '\0';
		if ((slash = strrchr(exe, '/')) != NULL) {
			*slash = '\0';
			snprintf(out, max, "%s/../data/%s", exe, DEFAULT_CATALOG);
		}
	}
	if (!out[0] || access(out, R_OK) != 0)
		snprintf(out, max, "%s/%s", QT_DATA_DIR, DEFAULT_CATALOG);
}

const char qt_usage_init[] = "usage: qtrace init --db FILE [--origin NAME] [--catalog FILE|none]\n";
const char qt_usage_verify[] =
        "usage: qtrace verify --db FILE [--key VERIFIER_KEY] [--checkpoint FILE]\n";

int qt_cmd_init(int argc, char **argv)
{
	static const char *const names[] = {"--db", "--origin", "--catalog"};
	const char *slots[3] = {NULL, DEFAULT_ORIGIN, NULL};
	char vkey[512], catalog[4200];
	json_t *units = NULL;
	qt_platform *p = NULL;
	qt_err err;
	bool empty;
	int status = QT_EXIT_FAIL;

	if (!qt_cli_take_opts("init", argc, argv, names, slots, 3) || !slots[0]) {
		fputs(qt_usage_init, stderr);
		status = QT_EXIT_USAGE;
		goto out;
	}
	/* "none": an empty ledger, for a mirror or a test of the ledger alone */
	empty = slots[2] && strcmp(slots[2], "none") == 0;
	if (slots[2])
		snprintf(catalog, sizeof catalog, "%s", slots[2]);
	else
		default_catalog(catalog, sizeof catalog);
	/* checked before anything is created, so a bad file leaves no half-made database */
	if (!empty && qt_catalog_load_file(catalog, &units, &err) != QT_OK) {
		fprintf(stderr, "qtrace init: %s\n", err.msg);
		goto out;
	}
	if (qt_ledger_init(slots[0], slots[1], vkey, sizeof vkey, &err) != QT_OK ||
	    (!empty && (qt_platform_open(slots[0], &p, &err) != QT_OK ||
	                qt_catalog_add(p, units, &err) != QT_OK))) {
		fprintf(stderr, "qtrace init: %s\n", err.msg);
		goto out;
	}
	fprintf(stderr,
	        "created %s and its signing key %s.key (keep it private); catalogue: %zu units "
	        "from %s\n",
	        slots[0], slots[0], json_array_size(units), catalog);
	printf("%s\n", vkey);
	status = QT_EXIT_OK;
out:
	qt_platform_close(p);
	json_decref(units);
	return status;
}

static void show_progress(uint64_t done, uint64_t total)
{
	fprintf(stderr, "\rverifying: %llu / %llu records (%.0f%%)", (unsigned long long)done,
	        (unsigned long long)total, total ? 100.0 * (double)done / (double)total : 100.0);
	if (done == total)
		fputc('\n', stderr);
}

static void show_replay_progress(const char *what, uint64_t n)
{
	fprintf(stderr, "\rrebuilding the state from the log: %s, %llu      ", what,
	        (unsigned long long)n);
}

/* The documents and links the platform answers from, rebuilt from the records (replay.c),
 * in a snapshot of their own: a server may be writing beside verify. */
static qt_rc verify_docs(const char *db, bool progress, qt_err *err)
{
	qt_store_opts so = {.read_only = true};
	qt_store *s = NULL;
	qt_replay_result rr = {0};
	qt_rc rc = qt_store_open(db, &so, &s, err);

	if (rc == QT_OK)
		rc = qt_replay_verify(s, progress ? show_replay_progress : NULL, &rr, err);
	if (rc == QT_OK && progress && rr.records >= 10000)
		fprintf(stderr,
		        "\rrebuilding the state from the log: %llu records, %llu documents and "
		        "%llu links agree\n",
		        (unsigned long long)rr.records, (unsigned long long)rr.docs,
		        (unsigned long long)rr.links);
	if (s)
		s->ops->close(s);
	return rc;
}

/* A saved checkpoint (as GET /checkpoint serves it) into buf; false with a message when it
 * cannot be read or is larger than any checkpoint. */
static bool read_checkpoint(const char *path, char *buf, size_t cap, size_t *len)
{
	FILE *f = fopen(path, "rb");
	bool ok = false;

	if (!f) {
		fprintf(stderr, "qtrace verify: cannot read the checkpoint %s: %s\n", path,
		        strerror(errno));
		goto out;
	}
	*len = fread(buf, 1, cap, f);
	if (ferror(f))
		fprintf(stderr, "qtrace verify: cannot read the checkpoint %s: %s\n", path,
		        strerror(errno));
	else if (*len == cap)
		fprintf(stderr, "qtrace verify: %s is not a checkpoint: larger than %zu bytes\n",
		        path, cap - 1);
	else
		ok = true;
	fclose(f);
out:
	return ok;
}

int qt_cmd_verify(int argc, char **argv)
{
	static const char *const names[] = {"--db", "--key", "--checkpoint"};
	const char *slots[3] = {NULL, NULL, NULL};
	char note[QT_NOTE_MAX + 1];
	qt_verify_opts opts = {0};
	qt_verify_result res;
	char root[sodium_base64_ENCODED_LEN(QT_HASH_LEN, sodium_base64_VARIANT_ORIGINAL)];
	qt_err err;

	if (!qt_cli_take_opts("verify", argc, argv, names, slots, 3) || !slots[0]) {
		fputs(qt_usage_verify, stderr);
		return QT_EXIT_USAGE;
	}
	if (slots[2] && !read_checkpoint(slots[2], note, sizeof note, &opts.checkpoint_len))
		return QT_EXIT_USAGE;
	opts.key = slots[1];
	opts.checkpoint = slots[2] ? note : NULL;
	opts.progress = isatty(STDERR_FILENO) ? show_progress : NULL;
	if (qt_ledger_verify(slots[0], &opts, &res, &err) != QT_OK ||
	    verify_docs(slots[0], opts.progress != NULL, &err) != QT_OK) {
		fprintf(stderr, "qtrace verify: FAILED: %s\n", err.msg);
		return QT_EXIT_FAIL;
	}
	sodium_bin2base64(root, sizeof root, res.root.b, QT_HASH_LEN,
	                  sodium_base64_VARIANT_ORIGINAL);
	printf("verified %llu records, tree size %llu, root %s\n", (unsigned long long)res.records,
	       (unsigned long long)res.tree_size, root);
	if (slots[2])
		printf("the log still holds the tree of %s (tree size %llu)\n", slots[2],
		       (unsigned long long)res.witnessed_size);
	return QT_EXIT_OK;
}
