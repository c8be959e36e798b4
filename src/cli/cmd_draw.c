/* cmd_draw.c — `qtrace draw verify`: recompute a published draw from the ledger (the
 * checkpoint's signature, the candidates as of that checkpoint, the seed, both selections),
 * offline, on a copy of the database or the server's own. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli_util.h"
#include "cli/cmd.h"
#include "core/draw.h"
#include "util/json_parse.h"

static qt_rc check_draw(const char *db, uint64_t index, qt_err *err)
{
	qt_store_opts so = {.read_only = true};
	qt_store *s = NULL;
	qt_buf leaf, key;
	qt_verifier v;
	json_t *rec = NULL;
	qt_rc rc;

	qt_buf_init(&leaf, QT_LEDGER_LEAF_MAX);
	qt_buf_init(&key, 4096);
	if ((rc = qt_store_open(db, &so, &s, err)) != QT_OK ||
	    (rc = s->ops->meta_get(s, "verifier_key", &key, err)) != QT_OK ||
	    (rc = qt_note_verifier_parse(key.p, strlen(key.p), &v, err)) != QT_OK ||
	    (rc = s->ops->record_get(s, index, &leaf, NULL, err)) != QT_OK)
		goto out;
	rec = qt_json_parse(leaf.p, leaf.len, NULL);
	if (!rec || strcmp(qt_json_text(rec, "type"), "draw") != 0) {
		rc = qt_err_set(err, QT_ERR_INVALID, "record %" PRIu64 " is not a draw", index);
		goto out;
	}
	rc = qt_draw_check(s, json_object_get(rec, "body"), index, &v, err);
out:
	json_decref(rec);
	qt_buf_free(&leaf);
	qt_buf_free(&key);
	if (s)
		s->ops->close(s);
	return rc;
}

const char qt_usage_draw[] = "usage: qtrace draw verify --db FILE --draw INDEX\n";

int qt_cmd_draw(int argc, char **argv)
{
	static const char *const names[] = {"--db", "--draw"};
	const char *slots[2] = {NULL, NULL};
	char *end = NULL;
	unsigned long long index = 0;
	qt_err err = {{0}};
	int status = QT_EXIT_USAGE;

	if (argc < 1 || strcmp(argv[0], "verify") != 0 ||
	    !qt_cli_take_opts("draw verify", argc - 1, argv + 1, names, slots, 2) || !slots[0] ||
	    !slots[1] || !(index = strtoull(slots[1], &end, 10), *slots[1] && !*end)) {
		fputs(qt_usage_draw, stderr);
		goto out;
	}
	if (check_draw(slots[0], index, &err) != QT_OK) {
		fprintf(stderr, "qtrace draw verify: FAILED: draw %llu: %s\n", index, err.msg);
		status = QT_EXIT_FAIL;
		goto out;
	}
	printf("draw %llu verified: checkpoint signed, candidates read from the ledger, seed and "
	       "selections recomputed\n",
	       index);
	status = QT_EXIT_OK;
out:
	return status;
}
