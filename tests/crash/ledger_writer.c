/* ledger_writer.c — a ledger client for the crash and tamper tests.
 *   write DB ACKS COUNT BATCH [THREADS]  append COUNT records (groups of BATCH, or THREADS
 *                                        concurrent submitters); after each answered write,
 *                                        append "index leafhash-hex" to ACKS and fsync it, and
 *                                        keep the latest checkpoint in ACKS.checkpoint
 *   check DB ACKS                        reopen (recovering as the server would), then show
 *                                        that every acknowledged write is present with the
 *                                        same leaf hash and that the checkpoint now signed is
 *                                        consistent with the last one a client saw */
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ledger/log.h"

static void hex(const qt_hash *h, char out[65])
{
	for (int i = 0; i < 32; i++)
		snprintf(out + 2 * i, 3, "%02x", h->b[i]);
}

typedef struct writer {
	qt_ledger *l;
	int acks;
	const char *cp_path;
	pthread_mutex_t lock;
	unsigned long next, count;
	int failed;
} writer;

/* Acknowledge n answered writes: only once this is on disk may the test expect them to
 * survive. */
static int ack(writer *w, const qt_receipt *rs, size_t n)
{
	char line[128], h[65], tmp[4096];
	const qt_receipt *r = &rs[n - 1];
	int fd, ok = 1;
	pthread_mutex_lock(&w->lock);
	for (size_t i = 0; i < n && ok; i++) {
		hex(&rs[i].leaf_hash, h);
		snprintf(line, sizeof line, "%llu %s\n", (unsigned long long)rs[i].index, h);
		ok = write(w->acks, line, strlen(line)) == (ssize_t)strlen(line);
	}
	ok = ok && fsync(w->acks) == 0;
	/* The checkpoint a client saw last: written whole, then renamed over the old one. */
	snprintf(tmp, sizeof tmp, "%s.tmp", w->cp_path);
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	ok = ok && fd >= 0 &&
	     write(fd, r->checkpoint, r->checkpoint_len) == (ssize_t)r->checkpoint_len &&
	     fsync(fd) == 0 && rename(tmp, w->cp_path) == 0;
	if (fd >= 0)
		close(fd);
	pthread_mutex_unlock(&w->lock);
	return ok;
}

static void fill(qt_record *rec, json_t **body, json_t **priv, char *key, size_t keysz,
                 unsigned long i)
{
	*body = json_pack("{s:I, s:s}", "n", (json_int_t)i, "what", "crash test record");
	*priv = json_pack("{s:s}", "buyer", "张三 (non-public)");
	snprintf(key, keysz, "01/06901234567892/21/S%lu", i);
	rec->type = "test.record";
	rec->body = *body;
	rec->private_fields = *priv;
	rec->n_keys = 1;
	rec->ts = NULL;
}

static void *submitter(void *arg)
{
	writer *w = arg;
	for (;;) {
		qt_record rec;
		json_t *body, *priv;
		char key[64];
		const char *keys[1] = {key};
		qt_receipt r;
		qt_err err;
		unsigned long i;

		pthread_mutex_lock(&w->lock);
		i = w->next++;
		pthread_mutex_unlock(&w->lock);
		if (i >= w->count)
			break;
		fill(&rec, &body, &priv, key, sizeof key, i);
		rec.keys = keys;
		if (qt_ledger_submit(w->l, &rec, &r, &err) != QT_OK) {
			fprintf(stderr, "submit: %s\n", err.msg);
			w->failed = 1;
		} else if (!ack(w, &r, 1)) {
			w->failed = 1;
		}
		json_decref(body);
		json_decref(priv);
	}
	return NULL;
}

static int do_write(const char *db, const char *acks, unsigned long count, unsigned long batch,
                    int threads)
{
	writer w = {.count = count};
	char cp_path[4096];
	qt_err err;
	int status = 1;

	snprintf(cp_path, sizeof cp_path, "%s.checkpoint", acks);
	w.cp_path = cp_path;
	pthread_mutex_init(&w.lock, NULL);
	w.acks = open(acks, O_WRONLY | O_CREAT | O_APPEND, 0644);
	if (w.acks < 0 || qt_ledger_open(db, NULL, &w.l, &err) != QT_OK) {
		fprintf(stderr, "open: %s\n", w.acks < 0 ? "acks file" : err.msg);
		goto out;
	}
	if (threads > 0) {
		pthread_t t[64];
		for (int k = 0; k < threads && k < 64; k++)
			pthread_create(&t[k], NULL, submitter, &w);
		for (int k = 0; k < threads && k < 64; k++)
			pthread_join(t[k], NULL);
		status = w.failed;
		goto out;
	}
	for (unsigned long i = 0; i < count; i += batch) {
		size_t n = count - i < batch ? count - i : batch;
		qt_record *recs = calloc(n, sizeof *recs);
		qt_receipt *rs = calloc(n, sizeof *rs);
		json_t **bodies = calloc(n, sizeof *bodies), **privs = calloc(n, sizeof *privs);
		char(*keys)[64] = calloc(n, sizeof *keys);
		const char **kp = calloc(n, sizeof *kp);
		int ok;
		for (size_t k = 0; k < n; k++) {
			fill(&recs[k], &bodies[k], &privs[k], keys[k], sizeof keys[k], i + k);
			kp[k] = keys[k];
			recs[k].keys = &kp[k];
		}
		ok = qt_ledger_append(w.l, recs, n, rs, &err) == QT_OK;
		if (!ok)
			fprintf(stderr, "append: %s\n", err.msg);
		ok = ok && ack(&w, rs, n);
		for (size_t k = 0; k < n; k++) {
			json_decref(bodies[k]);
			json_decref(privs[k]);
		}
		free(recs);
		free(rs);
		free(bodies);
		free(privs);
		free(keys);
		free(kp);
		if (!ok)
			goto out;
	}
	status = 0;
out:
	qt_ledger_close(w.l);
	if (w.acks >= 0)
		close(w.acks);
	return status;
}

static int do_check(const char *db, const char *acks)
{
	qt_ledger *l = NULL;
	qt_err err;
	qt_buf leaf, last;
	char line[256], cp_path[4096];
	unsigned long n_acks = 0;
	int status = 1;
	FILE *f = fopen(acks, "r");

	qt_buf_init(&leaf, 1 << 20);
	qt_buf_init(&last, QT_NOTE_MAX);
	if (qt_ledger_open(db, NULL, &l, &err) != QT_OK) {
		fprintf(stderr, "check: reopen failed: %s\n", err.msg);
		goto out;
	}
	/* 1. every acknowledged write is there, byte for byte */
	while (f && fgets(line, sizeof line, f)) {
		unsigned long long idx;
		char want[65], got[65];
		qt_hash h;
		if (sscanf(line, "%llu %64s", &idx, want) != 2 || strlen(want) != 64)
			continue; /* a torn last line was never acknowledged */
		if (qt_ledger_size(l) <= idx ||
		    qt_ledger_record(l, idx, &leaf, &err) != QT_OK) {
			fprintf(stderr, "check: acknowledged record %llu is missing\n", idx);
			goto out;
		}
		qt_merkle_leaf_hash(leaf.p, leaf.len, &h);
		hex(&h, got);
		if (strcmp(got, want) != 0) {
			fprintf(stderr, "check: record %llu differs from its receipt\n", idx);
			goto out;
		}
		n_acks++;
	}
	/* 2. the checkpoint signed after the restart is consistent with the last one seen */
	snprintf(cp_path, sizeof cp_path, "%s.checkpoint", acks);
	{
		FILE *cf = fopen(cp_path, "r");
		qt_verifier v;
		qt_checkpoint seen, now;
		size_t text_len;
		uint64_t now_size;
		const char *now_note = qt_ledger_checkpoint(l, &now_size);
		qt_merkle_proof proof;
		char tmp[QT_NOTE_MAX];
		size_t n = cf ? fread(tmp, 1, sizeof tmp, cf) : 0;
		if (cf)
			fclose(cf);
		qt_ledger_verifier(l, &v);
		if (qt_note_verify(&v, now_note, strlen(now_note), &text_len, &err) != QT_OK ||
		    qt_checkpoint_parse(now_note, text_len, &now, &err) != QT_OK ||
		    now.size != qt_ledger_size(l)) {
			fprintf(stderr, "check: current checkpoint: %s\n", err.msg);
			goto out;
		}
		if (n > 0) {
			if (qt_note_verify(&v, tmp, n, &text_len, &err) != QT_OK ||
			    qt_checkpoint_parse(tmp, text_len, &seen, &err) != QT_OK) {
				fprintf(stderr, "check: last seen checkpoint: %s\n", err.msg);
				goto out;
			}
			if (seen.size > now.size ||
			    (seen.size > 0 &&
			     (qt_ledger_consistency(l, seen.size, now.size, &proof, &err) !=
			              QT_OK ||
			      !qt_merkle_verify_consistency(seen.size, now.size, &proof, &seen.root,
			                                    &now.root)))) {
				fprintf(stderr,
				        "check: checkpoint %llu is not consistent with the one "
				        "seen "
				        "(%llu)\n",
				        (unsigned long long)now.size,
				        (unsigned long long)seen.size);
				goto out;
			}
		}
	}
	printf("check: %lu acknowledged writes present, tree size %llu, checkpoint consistent\n",
	       n_acks, (unsigned long long)qt_ledger_size(l));
	status = 0;
out:
	if (f)
		fclose(f);
	qt_buf_free(&leaf);
	qt_buf_free(&last);
	qt_ledger_close(l);
	return status;
}

int main(int argc, char **argv)
{
	if (argc >= 6 && strcmp(argv[1], "write") == 0)
		return do_write(argv[2], argv[3], strtoul(argv[4], NULL, 10),
		                strtoul(argv[5], NULL, 10), argc > 6 ? atoi(argv[6]) : 0);
	if (argc == 4 && strcmp(argv[1], "check") == 0)
		return do_check(argv[2], argv[3]);
	fputs("usage: ledger_writer write DB ACKS COUNT BATCH [THREADS] | check DB ACKS\n", stderr);
	return 2;
}
