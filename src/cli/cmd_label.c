/* cmd_label.c — `qtrace label`: the labels of every code of a batch, read from the database
 * (the server's own or a copy), one file per code for label printers or A4 sheets as one PDF
 * for office printers. Codes are read a page at a time, so a batch of any size runs in the
 * same memory. */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "cli/cli_util.h"
#include "cli/cmd.h"
#include "core/platform.h"
#include "http/http.h"
#include "labels/label.h"
#include "store/store.h"

#define PAGE      1000 /* codes read from the store at a time */
#define PATH_MAX_ 4096

typedef struct job {
	const char *dir, *base, *batch;
	char stage[PATH_MAX_]; /* where files are written until every label is drawn */
	const char *lot;       /* the batch number, printed as AI 10 where it is a valid lot */
	qt_label_symbology sym;
	qt_label_format fmt;
	qt_label_sheet *sheet; /* --sheet a4: everything goes here instead of files */
	qt_buf out;
	unsigned long written;
	bool progress;
} job;

static qt_rc write_file(const char *path, const qt_buf *b, qt_err *err)
{
	FILE *f = fopen(path, "wb");
	bool ok = f && fwrite(b->p, 1, b->len, f) == b->len;

	if (f && fclose(f) != 0)
		ok = false;
	return ok ? QT_OK
	          : qt_err_set(err, QT_ERR_IO, "cannot write %.150s: %s", path, strerror(errno));
}

/* The labels are drawn into a hidden directory beside where they go, and moved there only
 * when every one was drawn: a batch that fails part way (a code a symbology cannot carry, a
 * full disk) leaves nothing a printer operator could take for the whole batch. keep: move
 * the files into j->dir; otherwise remove them. Then the directory goes. */
static qt_rc unstage(job *j, bool keep, qt_err *err)
{
	DIR *d = opendir(j->stage);
	struct dirent *e;
	char from[PATH_MAX_], to[PATH_MAX_];
	qt_rc rc = QT_OK;

	while (d && (e = readdir(d))) {
		if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
			continue;
		snprintf(from, sizeof from, "%.3600s/%.255s", j->stage, e->d_name);
		snprintf(to, sizeof to, "%.3600s/%.255s", j->dir, e->d_name);
		if (!keep)
			unlink(from);
		else if (rc == QT_OK && rename(from, to) != 0)
			rc = qt_err_set(err, QT_ERR_IO, "cannot move %.150s into place: %s", from,
			                strerror(errno));
	}
	if (d)
		closedir(d);
	if (rc == QT_OK && rmdir(j->stage) != 0)
		rc = qt_err_set(err, QT_ERR_IO, "cannot remove %.150s: %s", j->stage,
		                strerror(errno));
	return rc;
}

/* One code of the batch: its label to its own file, or onto the sheet. */
static qt_rc one(job *j, const char *key, qt_err *err)
{
	char name[QT_LABEL_NAME_MAX], path[PATH_MAX_];
	qt_code code;
	qt_rc rc;

	if ((rc = qt_label_code(key, j->lot, &code, err)) != QT_OK)
		goto out;
	if (j->sheet) {
		rc = qt_label_sheet_add(j->sheet, &code, j->base, err);
		goto out;
	}
	qt_buf_reset(&j->out);
	if ((rc = qt_label_render(&code, j->base, j->sym, j->fmt, &j->out, err)) != QT_OK)
		goto out;
	qt_label_filename(&code, j->sym, qt_label_format_ext(j->fmt), name);
	snprintf(path, sizeof path, "%.3600s/%.255s", j->stage, name);
	rc = write_file(path, &j->out, err);
out:
	if (rc == QT_OK && ++j->written % 1000 == 0 && j->progress)
		fprintf(stderr, "\rlabels: %lu written", j->written);
	return rc;
}

/* Every code of the batch, a page of keys at a time. */
static qt_rc all(job *j, qt_store *s, qt_err *err)
{
	json_t *keys = json_array();
	char after[QT_CODE_CANON_MAX] = "";
	size_t found = 0, i;
	qt_rc rc = QT_OK;

	do {
		json_array_clear(keys);
		if ((rc = s->ops->link_list(s, "batch_codes", j->batch, after, PAGE,
		                            qt_link_collect, keys, &found, err)) != QT_OK)
			goto out;
		for (i = 0; i < json_array_size(keys); i++) {
			const char *key = json_string_value(json_array_get(keys, i));
			if ((rc = one(j, key, err)) != QT_OK) {
				char what[QT_ERR_MSG_MAX];
				snprintf(what, sizeof what, "%s", err->msg);
				rc = qt_err_set(err, rc, "code %.120s: %s", key, what);
				goto out;
			}
			snprintf(after, sizeof after, "%s", key);
		}
	} while (json_array_size(keys) == PAGE);
out:
	json_decref(keys);
	return rc;
}

const char qt_usage_label[] =
        "usage: qtrace label --db FILE --batch ID --out DIR [--symbology "
        "qr|datamatrix|gs1-128]\n"
        "                    [--format svg|png] [--sheet a4] [--public-url URL]\n"
        "  one file per code of the batch in DIR; with --sheet a4 instead one PDF of A4\n"
        "  pages, DIR/<batch>-<symbology>.pdf. QR labels carry the code's resolver URL:\n"
        "  --public-url https://HOST[:PORT] is then required.\n";

static int usage(void)
{
	fputs(qt_usage_label, stderr);
	return QT_EXIT_USAGE;
}

int qt_cmd_label(int argc, char **argv)
{
	static const char *const names[] = {"--db",     "--batch", "--out",       "--symbology",
	                                    "--format", "--sheet", "--public-url"};
	const char *o[7] = {NULL};
	char base[QT_HTTP_BASE_MAX] = "", pdf[PATH_MAX_];
	qt_store_opts so = {.read_only = true};
	qt_store *s = NULL;
	json_t *batch = NULL;
	unsigned long pages = 0;
	job j = {.progress = isatty(STDERR_FILENO)};
	qt_err err = {{0}};
	qt_rc rc;
	double t0 = qt_time_mono();
	int status = QT_EXIT_USAGE;

	qt_buf_init(&j.out, QT_LABEL_MAX);
	if (!qt_cli_take_opts("label", argc, argv, names, o, 7) || !o[0] || !o[1] || !o[2]) {
		status = usage();
		goto out;
	}
	j.batch = o[1];
	j.dir = o[2];
	if ((o[3] && qt_label_symbology_parse(o[3], &j.sym, &err) != QT_OK) ||
	    (o[4] && qt_label_format_parse(o[4], &j.fmt, &err) != QT_OK) ||
	    (o[6] && qt_http_public_url_check(o[6], &err) != QT_OK)) {
		fprintf(stderr, "qtrace label: %s\n", err.msg);
		goto out;
	}
	if ((o[5] && strcmp(o[5], "a4") != 0) || (o[5] && o[4])) {
		fputs("qtrace label: --sheet takes a4, and makes one PDF (no --format)\n", stderr);
		goto out;
	}
	if (j.sym == QT_LABEL_QR && !o[6]) {
		fputs("qtrace label: QR labels carry the resolver URL: give --public-url "
		      "https://HOST[:PORT]\n",
		      stderr);
		goto out;
	}
	if (o[6]) {
		size_t n = strlen(o[6]);
		snprintf(base, sizeof base, "%.*s", (int)(n - (o[6][n - 1] == '/')), o[6]);
		j.base = base;
	}
	status = QT_EXIT_FAIL;
	/* the batch first: a wrong id or database writes nothing at all */
	if ((rc = qt_store_open(o[0], &so, &s, &err)) != QT_OK ||
	    (rc = qt_doc_load(s, "batch", j.batch, &batch, &err)) != QT_OK) {
		if (rc == QT_ERR_NOTFOUND)
			qt_err_set(&err, rc, "no batch %.60s in %.150s", j.batch, o[0]);
		fprintf(stderr, "qtrace label: %s\n", err.msg);
		goto out;
	}
	j.lot = qt_json_text(batch, "batch_no");
	if (mkdir(j.dir, 0777) != 0 && errno != EEXIST) {
		fprintf(stderr, "qtrace label: cannot create %s: %s\n", j.dir, strerror(errno));
		goto out;
	}
	/* the longest path this command makes is the directory, the stage and a file name */
	if (strlen(j.dir) > 3000) {
		fputs("qtrace label: the --out path is too long\n", stderr);
		goto out;
	}
	snprintf(j.stage, sizeof j.stage, "%s/.qtrace-label-XXXXXX", j.dir);
	if (!mkdtemp(j.stage)) {
		fprintf(stderr, "qtrace label: cannot write in %s: %s\n", j.dir, strerror(errno));
		goto out;
	}
	/* a batch id that exists is "B" and hex digits: safe in a file name */
	snprintf(pdf, sizeof pdf, "%.3600s/%.60s-%s.pdf", j.stage, j.batch,
	         qt_label_symbology_name(j.sym));
	if (o[5] && (rc = qt_label_sheet_open(pdf, j.sym, &j.sheet, &err)) != QT_OK)
		goto done;
	rc = all(&j, s, &err);
	if (j.sheet) {
		qt_err e2 = {{0}};
		if (qt_label_sheet_close(j.sheet, &pages, &e2) != QT_OK && rc == QT_OK) {
			rc = QT_ERR_IO;
			err = e2;
		}
	}
	if (rc == QT_OK && j.written == 0)
		rc = qt_err_set(&err, QT_ERR_NOTFOUND,
		                "batch %.60s has no codes yet: nothing to print", j.batch);
	if (j.progress && j.written >= 1000)
		fputc('\n', stderr);
done:
	if (rc != QT_OK) {
		qt_err e2;
		(void)unstage(&j, false, &e2);
		fprintf(stderr, "qtrace label: %s (nothing written)\n", err.msg);
		goto out;
	}
	if ((rc = unstage(&j, true, &err)) != QT_OK) {
		fprintf(stderr, "qtrace label: %s\n", err.msg);
		goto out;
	}
	snprintf(pdf, sizeof pdf, "%s/%s-%s.pdf", j.dir, j.batch, qt_label_symbology_name(j.sym));
	if (j.sheet)
		printf("%lu labels (%s) on %lu A4 pages in %s in %.2f s\n", j.written,
		       qt_label_symbology_name(j.sym), pages, pdf, qt_time_mono() - t0);
	else
		printf("%lu labels (%s, %s) written to %s in %.2f s\n", j.written,
		       qt_label_symbology_name(j.sym), qt_label_format_ext(j.fmt), j.dir,
		       qt_time_mono() - t0);
	status = QT_EXIT_OK;
out:
	json_decref(batch);
	if (s)
		s->ops->close(s);
	qt_buf_free(&j.out);
	qt_label_cleanup();
	return status;
}
