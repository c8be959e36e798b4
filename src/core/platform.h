/* platform.h — the running platform: the ledger (the one writer), a read connection per
 * thread, the accounts that may act on it, and the helpers every domain module shares:
 * bounded JSON field access, documents in the store as JSON, and writes as ledger jobs. */
#ifndef QT_PLATFORM_H
#define QT_PLATFORM_H

#include <jansson.h>

#include "codes/uscc.h"
#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

#include "ledger/log.h"
#include "store/store.h"
#include "util/rc.h"
#include "util/timefmt.h"

/* Roles, as bits: one unit may be producer and seller at once. */
enum {
	QT_ROLE_PRODUCER = 1,
	QT_ROLE_SELLER = 2,
	QT_ROLE_REGULATOR = 4,
	QT_ROLE_INSPECTION = 8,
	QT_ROLE_SYSTEM = 16,
};
#define QT_ROLE_UNIT (QT_ROLE_PRODUCER | QT_ROLE_SELLER)
#define QT_ROLE_ANY                                                                                \
	(QT_ROLE_PRODUCER | QT_ROLE_SELLER | QT_ROLE_REGULATOR | QT_ROLE_INSPECTION |              \
	 QT_ROLE_SYSTEM)

#define QT_ID_MAX    48 /* account, product, batch ids */
#define QT_NAME_MAX  200
#define QT_TEXT_MAX  500
#define QT_TOKEN_LEN 46 /* "qt_" + 43 base64url characters of 32 random bytes */

/* Index keys that list every record of a type a rare reader needs all of (draws read the
 * units, accounts, products and catalogue as of a tree size), so it finds them through the
 * ledger's own index instead of scanning every record. */
#define QT_KEY_UNITS    "type:unit.register"
#define QT_KEY_ACCOUNTS "type:account.add"
#define QT_KEY_PRODUCTS "type:product.register"
#define QT_KEY_CATALOG  "type:catalog.add"
/* The first record of each catalogue addition: one announcement tells of the whole
 * addition, so replaying the log must know where each begins. */
#define QT_KEY_CATALOG_JOB "job:catalog.add"

/* Who is asking: a unit (its id is its USCC) or an account made with the CLI. */
typedef struct qt_account {
	char id[QT_ID_MAX];
	char name[QT_NAME_MAX + 1];
	unsigned roles;
	char jurisdiction[7]; /* regulators: "" national, 2 digits province, 4 digits city */
} qt_account;

typedef struct qt_queries qt_queries;
typedef struct qt_auth_cache qt_auth_cache;
#define QT_AUTH_SLOTS 1024

typedef struct qt_platform {
	qt_ledger *ledger;
	char db[4096];
	pthread_key_t reader_key;
	/* this thread's documents kept for public views (public.c) */
	pthread_key_t views_key;
	pthread_mutex_t lock; /* guards the lazily made parts below */
	qt_queries *queries;  /* lookup counts waiting to be written (queries.c) */
	qt_auth_cache *auth;  /* who the tokens seen are (accounts.c), QT_AUTH_SLOTS of them */
} qt_platform;

qt_rc qt_platform_open(const char *db, qt_platform **out, qt_err *err)
        __attribute__((warn_unused_result));
void qt_platform_close(qt_platform *p);

/* This thread's read-only connection (opened on first use, closed with the thread). Sees
 * every committed write, never a group still being staged. */
qt_store *qt_platform_reader(qt_platform *p, qt_err *err);

/* ---- JSON documents in the store ---- */
qt_rc qt_doc_load(qt_store *s, const char *kind, const char *id, json_t **out, qt_err *err)
        __attribute__((warn_unused_result));
/* The same, and the index of the record that last wrote it (rec may be NULL). */
qt_rc qt_doc_load_rec(qt_store *s, const char *kind, const char *id, json_t **out, uint64_t *rec,
                      qt_err *err) __attribute__((warn_unused_result));
qt_rc qt_doc_save(qt_store *s, const char *kind, const char *id, const char *owner,
                  const json_t *doc, uint64_t rec, qt_err *err) __attribute__((warn_unused_result));

/* A qt_store_doc_fn that appends each listed document, parsed, to the JSON array ctx. */
qt_rc qt_doc_collect(void *ctx, const char *id, const char *owner, const void *body, size_t n,
                     uint64_t rec);

/* Every document of kind, by id, a page at a time: at most max (0: no bound; the bound is
 * checked between pages), and *cut (cut may be NULL) when more follow. fn may stop the walk by
 * returning non-OK, which is returned. */
qt_rc qt_doc_walk(qt_store *s, const char *kind, size_t max, qt_store_doc_fn fn, void *ctx,
                  bool *cut, qt_err *err) __attribute__((warn_unused_result));

/* A qt_store_link_fn that appends each listed link target to the JSON array ctx. */
qt_rc qt_link_collect(void *ctx, const char *dst);

#define QT_PAGE_SCAN_MAX 5000 /* documents one page may look at (a filter may keep few) */

/* A page of documents listed by links whose targets are "<order>/<doc id>": the links
 * (link_kind, src) after `after`, in order, each target's document of doc_kind kept when keep
 * (NULL: all) says so, until limit are kept. *answer {name: [docs], next?}: next (the last
 * link looked at) exactly when further links follow; a page holds fewer than limit only when
 * it is the last or it looked at QT_PAGE_SCAN_MAX documents. Reads in one snapshot. */
qt_rc qt_doc_page(qt_store *s, const char *link_kind, const char *src, const char *doc_kind,
                  const char *after, size_t limit, bool (*keep)(const void *ctx, const json_t *doc),
                  const void *ctx, const char *name, json_t **answer, qt_err *err)
        __attribute__((warn_unused_result));
/* A page of the documents of doc_kind that the links (link_kind, src) name, in the links'
 * order or, newest, the reverse (link_list_back), after the cursor after (a page's next; NULL
 * or "" from the start). doc_id writes to id the id of the document a link names. *answer
 * {name: [docs], next?}: next, the page's last link, when the page is full. One snapshot. */
qt_rc qt_link_docs(qt_store *s, const char *link_kind, const char *src, bool newest,
                   const char *after, size_t limit, const char *doc_kind,
                   void (*doc_id)(const char *link, char id[QT_ID_MAX]), const char *name,
                   json_t **answer, qt_err *err) __attribute__((warn_unused_result));
/* A string member of a stored document, or "" when absent. */
const char *qt_json_text(const json_t *obj, const char *name);
/* Whether the array holds the string s. */
bool qt_json_lists(const json_t *array, const char *s);
/* Copy the members of from named in names (NULL-terminated) that it has into to. */
void qt_json_pick(json_t *to, const json_t *from, const char *const *names);
/* Add "province", the name of the province division's first two digits name, to obj; nothing
 * when they name none. A person reads a region by name, the 6-digit code beside it. */
void qt_json_set_province(json_t *obj, const char *division);
/* A fresh id: prefix followed by 2 * nbytes lower-case hex digits of randomness. */
qt_rc qt_new_id(const char *prefix, size_t nbytes, char *out, size_t outsz, qt_err *err)
        __attribute__((warn_unused_result));

/* The date in China (UTC+8, no daylight saving) at instant t, seconds since the epoch:
 * "YYYY-MM-DD". Days the platform counts or compares are China's. */
void qt_date_cn(long long t, char out[11]);
/* Today's date in China (UTC+8), "YYYY-MM-DD": no record's date may lie after it. */
void qt_today_cn(char out[11]);

/* ---- request bodies: every field checked for type and size ---- */

/* QT_ERR_INVALID naming the first member of obj not in allowed (NULL-terminated). */
qt_rc qt_json_only(const json_t *obj, const char *const *allowed, qt_err *err)
        __attribute__((warn_unused_result));
/* A string member of 1..max bytes (required) or absent (optional: *out = NULL). */
qt_rc qt_json_str(const json_t *obj, const char *name, size_t max, bool required, const char **out,
                  qt_err *err) __attribute__((warn_unused_result));
/* A 统一社会信用代码 member, checked and written to out as units are filed under it (trimmed,
 * upper case): " 91440300ma5d12340x" names the same unit as "91440300MA5D12340X". out is ""
 * when an optional member is absent. */
qt_rc qt_json_uscc(const json_t *obj, const char *name, bool required, char out[QT_USCC_LEN + 1],
                   qt_err *err) __attribute__((warn_unused_result));
/* A hex SHA-256 (64 lowercase hex digits). */
qt_rc qt_json_sha256(const json_t *obj, const char *name, bool required, const char **out,
                     qt_err *err) __attribute__((warn_unused_result));
/* A boolean member, default when absent. */
qt_rc qt_json_bool(const json_t *obj, const char *name, bool def, bool *out, qt_err *err)
        __attribute__((warn_unused_result));
/* An integer member in [min, max]. */
qt_rc qt_json_int(const json_t *obj, const char *name, long long min, long long max, bool required,
                  long long def, long long *out, qt_err *err) __attribute__((warn_unused_result));
/* A date "YYYY-MM-DD" (a real calendar date). */
qt_rc qt_json_date(const json_t *obj, const char *name, bool required, const char **out,
                   qt_err *err) __attribute__((warn_unused_result));
/* A date something already happened on (made, sampled, revoked, recalled): as qt_json_date,
 * and not after today in China, which it puts in today. */
qt_rc qt_json_past_date(const json_t *obj, const char *name, bool required, char today[11],
                        const char **out, qt_err *err) __attribute__((warn_unused_result));

/* ---- accounts ---- */

/* Register a producer/seller unit (a ledger record; the token is shown once, stored only
 * as its hash). body is the request; on success *answer is the unit and its token. */
qt_rc qt_units_register(qt_platform *p, const json_t *body, json_t **answer, qt_err *err)
        __attribute__((warn_unused_result));
/* A unit's account document is its unit.register record's body (with the sealed contact)
 * and what its USCC says: its division and province. Adds those two to doc; the write path
 * and `qtrace verify` both derive it here. */
qt_rc qt_unit_doc_fill(json_t *doc, qt_err *err) __attribute__((warn_unused_result));
/* An account for a regulator, an inspection body or another platform (the CLI's
 * `qtrace account add`). token gets the new bearer token. */
qt_rc qt_accounts_add(qt_platform *p, unsigned role, const char *name, const char *jurisdiction,
                      char token[QT_TOKEN_LEN + 1], char id[QT_ID_MAX], qt_err *err)
        __attribute__((warn_unused_result));
/* The account a bearer token belongs to: QT_ERR_NOTFOUND for an unknown token. Through
 * cache when given (NULL: read the store each time). */
qt_rc qt_accounts_auth(qt_store *s, qt_auth_cache *cache, const char *token, qt_account *out,
                       qt_err *err) __attribute__((warn_unused_result));
/* A cache of `slots` tokens (NULL when out of memory or slots is 0). */
qt_auth_cache *qt_auth_cache_new(size_t slots);
void qt_auth_cache_free(qt_auth_cache *c);
qt_rc qt_accounts_get(qt_store *s, const char *id, qt_account *out, qt_err *err)
        __attribute__((warn_unused_result));
const char *qt_role_name(unsigned role);
unsigned qt_role_parse(const char *name);
/* Whether a regulator of jurisdiction j (""/2/4 digits) covers division code div (6 digits). */
bool qt_jurisdiction_covers(const char *j, const char *div);
/* Whether who is a regulator whose jurisdiction covers the unit (its USCC's division code,
 * characters 3 to 8). */
bool qt_regulates(const qt_account *who, const char *unit_id);

/* A receipt as JSON: {"index","leaf_hash","tree_size","checkpoint","inclusion_proof":[...]} */
json_t *qt_receipt_json(const qt_receipt *r);

#endif
