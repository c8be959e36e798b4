/* accounts.c — who may act on the platform: producer and seller units register themselves
 * (a ledger record with the Annex 2 basic information), regulators, inspection bodies and
 * other platforms get accounts from the CLI. Tokens are shown once and kept only as hashes. */
#include <pthread.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "codes/uscc.h"
#include "core/platform.h"
#include "core/replay.h"
#include "util/random.h"
#include "util/sha256.h"

static const struct {
	unsigned bit;
	const char *name;
} roles[] = {
        {QT_ROLE_PRODUCER, "producer"},   {QT_ROLE_SELLER, "seller"},
        {QT_ROLE_REGULATOR, "regulator"}, {QT_ROLE_INSPECTION, "inspection"},
        {QT_ROLE_SYSTEM, "system"},
};

const char *qt_role_name(unsigned role)
{
	for (size_t i = 0; i < sizeof roles / sizeof roles[0]; i++)
		if (roles[i].bit == role)
			return roles[i].name;
	return "?";
}

unsigned qt_role_parse(const char *name)
{
	for (size_t i = 0; i < sizeof roles / sizeof roles[0]; i++)
		if (strcmp(roles[i].name, name) == 0)
			return roles[i].bit;
	return 0;
}

static json_t *roles_json(unsigned mask)
{
	json_t *a = json_array();
	for (size_t i = 0; i < sizeof roles / sizeof roles[0]; i++)
		if (mask & roles[i].bit)
			json_array_append_new(a, json_string(roles[i].name));
	return a;
}

bool qt_jurisdiction_covers(const char *j, const char *div)
{
	size_t n = strlen(j);
	return n == 0 || (strlen(div) >= n && strncmp(j, div, n) == 0);
}

bool qt_regulates(const qt_account *who, const char *unit_id)
{
	char div[7];
	snprintf(div, sizeof div, "%.6s", strlen(unit_id) >= 8 ? unit_id + 2 : "");
	return (who->roles & QT_ROLE_REGULATOR) && *div &&
	       qt_jurisdiction_covers(who->jurisdiction, div);
}

/* The id under which a token is stored: the hex SHA-256 of it, never the token (h: the same
 * hash as bytes). */
static void token_id(const char *token, uint8_t h[QT_SHA256_LEN], char hash_hex[65])
{
	qt_sha256(&(qt_sha256_part){token, strlen(token)}, 1, h);
	sodium_bin2hex(hash_hex, 65, h, QT_SHA256_LEN);
}

/* A fresh token and the id under which its hash is stored. */
static qt_rc new_token(char token[QT_TOKEN_LEN + 1], char hash_hex[65], qt_err *err)
{
	uint8_t raw[32], h[QT_SHA256_LEN];
	qt_rc rc = qt_random(raw, sizeof raw);

	if (rc != QT_OK)
		return qt_err_set(err, rc, "the random source failed");
	memcpy(token, "qt_", 3);
	sodium_bin2base64(token + 3, QT_TOKEN_LEN + 1 - 3, raw, sizeof raw,
	                  sodium_base64_VARIANT_URLSAFE_NO_PADDING);
	token_id(token, h, hash_hex);
	sodium_memzero(raw, sizeof raw);
	return QT_OK;
}

/* What a new account's job writes, inside the group's transaction. */
typedef struct new_account {
	const char *id;
	json_t *doc;
	char token_hash[65];  /* "" when replaying: the token is in no record */
	const char *division; /* for units: from the USCC */
} new_account;

static qt_rc apply_account(void *ctx, qt_store *s, uint64_t first, qt_err *err)
{
	new_account *a = ctx;
	json_t *tok;
	qt_rc rc;

	/* checked here, in the transaction, so two registrations of one USCC cannot race */
	rc = s->ops->doc_get(s, "account", a->id, NULL, NULL, NULL, NULL);
	if (rc == QT_OK)
		return qt_err_set(err, QT_ERR_CONFLICT, "unit %s is already registered", a->id);
	if (rc != QT_ERR_NOTFOUND)
		return qt_err_set(err, rc, "cannot read accounts");
	tok = json_pack("{s:s}", "account", a->id);
	rc = qt_doc_save(s, "account", a->id, a->division ? a->division : "", a->doc, first, err);
	if (rc == QT_OK && a->token_hash[0])
		rc = qt_doc_save(s, "token", a->token_hash, a->id, tok, first, err);
	json_decref(tok);
	return rc;
}

qt_rc qt_accounts_replay(qt_store *s, const qt_replay_rec *r, qt_err *err)
{
	new_account a = {.id = qt_json_text(r->body, "id"), .doc = r->body};
	qt_rc rc = QT_OK;

	/* a unit's record holds what it gave; the division and province follow from it */
	if (strcmp(r->type, "unit.register") == 0 && (rc = qt_unit_doc_fill(r->body, err)) == QT_OK)
		a.division = qt_json_text(r->body, "division");
	return rc == QT_OK ? apply_account(&a, s, r->index, err) : rc;
}

qt_rc qt_unit_doc_fill(json_t *doc, qt_err *err)
{
	const char *id = qt_json_text(doc, "uscc");
	qt_uscc u;
	qt_rc rc = qt_uscc_parse(id, strlen(id), &u, err);

	if (rc == QT_OK) {
		json_object_set_new(doc, "division", json_string(u.division));
		json_object_set_new(doc, "province",
		                    json_string(u.province_name ? u.province_name : ""));
	}
	return rc;
}

qt_rc qt_units_register(qt_platform *p, const json_t *body, json_t **answer, qt_err *err)
{
	static const char *const fields[] = {"name",    "uscc",  "address", "contact",
	                                     "licence", "roles", NULL};
	static const char *const lic_fields[] = {"sha256", "name", NULL};
	const char *name, *uscc_s, *address, *contact, *lic_sha, *lic_name;
	json_t *lic, *roles_in, *pub = NULL, *priv = NULL;
	char token[QT_TOKEN_LEN + 1];
	unsigned mask = 0;
	qt_uscc u;
	new_account a = {0};
	qt_record rec;
	qt_receipt receipt;
	const char *keys[2] = {NULL, QT_KEY_UNITS};
	qt_rc rc;

	*answer = NULL;
	if ((rc = qt_json_only(body, fields, err)) != QT_OK ||
	    (rc = qt_json_str(body, "name", QT_NAME_MAX, true, &name, err)) != QT_OK ||
	    (rc = qt_json_str(body, "uscc", 40, true, &uscc_s, err)) != QT_OK ||
	    (rc = qt_json_str(body, "address", QT_TEXT_MAX, true, &address, err)) != QT_OK ||
	    (rc = qt_json_str(body, "contact", QT_NAME_MAX, true, &contact, err)) != QT_OK)
		goto out;
	if (qt_uscc_parse(uscc_s, strlen(uscc_s), &u, err) != QT_OK) {
		char why[QT_ERR_MSG_MAX];
		snprintf(why, sizeof why, "%s", err->msg);
		rc = qt_err_set(err, QT_ERR_INVALID, "'uscc' is not a valid 统一社会信用代码: %s",
		                why);
		goto out;
	}
	lic = json_object_get(body, "licence");
	if (!lic) {
		rc = qt_err_set(
		        err, QT_ERR_INVALID,
		        "'licence' (the business licence file: sha256 and name) is required");
		goto out;
	}
	if ((rc = qt_json_only(lic, lic_fields, err)) != QT_OK ||
	    (rc = qt_json_sha256(lic, "sha256", true, &lic_sha, err)) != QT_OK ||
	    (rc = qt_json_str(lic, "name", QT_NAME_MAX, true, &lic_name, err)) != QT_OK) {
		char why[QT_ERR_MSG_MAX];
		snprintf(why, sizeof why, "%s", err->msg);
		rc = qt_err_set(err, QT_ERR_INVALID, "licence: %s", why);
		goto out;
	}
	roles_in = json_object_get(body, "roles");
	if (!json_is_array(roles_in) || json_array_size(roles_in) < 1 ||
	    json_array_size(roles_in) > 2) {
		rc = qt_err_set(err, QT_ERR_INVALID,
		                "'roles' must be [\"producer\"], [\"seller\"] or both");
		goto out;
	}
	for (size_t i = 0; i < json_array_size(roles_in); i++) {
		json_t *r = json_array_get(roles_in, i);
		unsigned bit = json_is_string(r) ? qt_role_parse(json_string_value(r)) : 0;
		if (!(bit & QT_ROLE_UNIT)) {
			rc = qt_err_set(err, QT_ERR_INVALID,
			                "'roles' must be [\"producer\"], [\"seller\"] or both");
			goto out;
		}
		mask |= bit;
	}
	if ((rc = new_token(token, a.token_hash, err)) != QT_OK)
		goto out;

	pub = json_pack("{s:s, s:s, s:s, s:s, s:o, s:{s:s, s:s}}", "id", u.code, "name", name,
	                "uscc", u.code, "address", address, "roles", roles_json(mask), "licence",
	                "sha256", lic_sha, "name", lic_name);
	priv = json_pack("{s:s}", "contact", contact);
	a.id = u.code;
	a.division = u.division;
	a.doc = json_deep_copy(pub);
	json_object_set_new(a.doc, "contact", json_string(contact));
	if ((rc = qt_unit_doc_fill(a.doc, err)) != QT_OK)
		goto out;
	keys[0] = u.code;
	rec = (qt_record){.type = "unit.register",
	                  .body = pub,
	                  .private_fields = priv,
	                  .keys = keys,
	                  .n_keys = 2};
	if ((rc = qt_ledger_submit_job(p->ledger, &rec, 1, apply_account, &a, &receipt, err)) !=
	    QT_OK)
		goto out;
	*answer = json_pack("{s:O, s:s, s:o}", "unit", a.doc, "token", token, "receipt",
	                    qt_receipt_json(&receipt));
out:
	sodium_memzero(token, sizeof token);
	json_decref(pub);
	json_decref(priv);
	json_decref(a.doc);
	return rc;
}

qt_rc qt_accounts_add(qt_platform *p, unsigned role, const char *name, const char *jurisdiction,
                      char token[QT_TOKEN_LEN + 1], char id[QT_ID_MAX], qt_err *err)
{
	new_account a = {0};
	json_t *pub = NULL;
	char prefix[24];
	qt_record rec;
	const char *keys[2] = {NULL, QT_KEY_ACCOUNTS};
	size_t jn = jurisdiction ? strlen(jurisdiction) : 0;
	qt_rc rc;

	if (!(role & (QT_ROLE_REGULATOR | QT_ROLE_INSPECTION | QT_ROLE_SYSTEM))) {
		rc = qt_err_set(err, QT_ERR_INVALID,
		                "accounts made here are regulator, inspection or system; units "
		                "register through the API");
		goto out;
	}
	if (!name || !*name || strlen(name) > QT_NAME_MAX) {
		rc = qt_err_set(err, QT_ERR_INVALID, "a name of 1 to %d bytes is required",
		                QT_NAME_MAX);
		goto out;
	}
	if (role == QT_ROLE_REGULATOR) {
		bool digits = jn == 0 || jn == 2 || jn == 4 || jn == 6;
		for (size_t i = 0; digits && i < jn; i++)
			digits = jurisdiction[i] >= '0' && jurisdiction[i] <= '9';
		bool national = jn == 2 && strcmp(jurisdiction, "00") == 0;
		if (!jurisdiction || !digits ||
		    (jn >= 2 && !national && !qt_division_province(jurisdiction) &&
		     strncmp(jurisdiction, "10", 2) != 0)) {
			rc = qt_err_set(
			        err, QT_ERR_INVALID,
			        "a regulator needs --jurisdiction: 00 (national), a province "
			        "(2 digits, e.g. 44), a city (4 digits, e.g. 4403) or a county (6 "
			        "digits, e.g. 440305)");
			goto out;
		}
		if (national)
			jn = 0;
	} else if (jn) {
		rc = qt_err_set(err, QT_ERR_INVALID, "only regulators have a jurisdiction");
		goto out;
	}
	snprintf(prefix, sizeof prefix, "%s-", qt_role_name(role));
	if ((rc = qt_new_id(prefix, 5, id, QT_ID_MAX, err)) != QT_OK ||
	    (rc = new_token(token, a.token_hash, err)) != QT_OK)
		goto out;
	pub = json_pack("{s:s, s:s, s:[s], s:s%}", "id", id, "name", name, "roles",
	                qt_role_name(role), "jurisdiction", jn ? jurisdiction : "", jn);
	a.id = id;
	a.doc = pub;
	keys[0] = id;
	rec = (qt_record){.type = "account.add", .body = pub, .keys = keys, .n_keys = 2};
	rc = qt_ledger_submit_job(p->ledger, &rec, 1, apply_account, &a, NULL, err);
out:
	json_decref(pub);
	return rc;
}

qt_rc qt_accounts_get(qt_store *s, const char *id, qt_account *out, qt_err *err)
{
	json_t *doc = NULL, *r;
	size_t i;
	qt_rc rc = qt_doc_load(s, "account", id, &doc, err);

	memset(out, 0, sizeof *out);
	if (rc != QT_OK)
		goto out;
	snprintf(out->id, sizeof out->id, "%s", id);
	snprintf(out->name, sizeof out->name, "%s", qt_json_text(doc, "name"));
	snprintf(out->jurisdiction, sizeof out->jurisdiction, "%s",
	         qt_json_text(doc, "jurisdiction"));
	json_array_foreach(json_object_get(doc, "roles"), i, r)
	{
		const char *name = json_string_value(r);
		out->roles |= name ? qt_role_parse(name) : 0;
	}
out:
	json_decref(doc);
	return rc;
}

/* ---- who a token is, kept ------------------------------------------------------------------
 * A token and its account are written once and never changed or removed (apply_account above),
 * so what a token was found to be stays true: every authenticated request would otherwise
 * read two documents for it (a sixth of a one-event write's CPU). Only found tokens are kept
 * (an unknown one may be registered next), under the SHA-256 the store keeps, never the
 * token itself. A slot per hash's first bytes, the newest wins: bounded whatever comes. */
typedef struct auth_slot {
	uint8_t hash[QT_SHA256_LEN];
	bool used;
	qt_account who;
} auth_slot;

struct qt_auth_cache {
	pthread_mutex_t lock;
	size_t n;
	auth_slot slot[];
};

qt_auth_cache *qt_auth_cache_new(size_t slots)
{
	qt_auth_cache *c = slots ? calloc(1, sizeof *c + slots * sizeof c->slot[0]) : NULL;
	if (c) {
		pthread_mutex_init(&c->lock, NULL);
		c->n = slots;
	}
	return c;
}

void qt_auth_cache_free(qt_auth_cache *c)
{
	if (!c)
		return;
	pthread_mutex_destroy(&c->lock);
	sodium_memzero(c->slot, c->n * sizeof c->slot[0]);
	free(c);
}

static auth_slot *auth_slot_of(qt_auth_cache *c, const uint8_t *hash)
{
	return &c->slot[((size_t)hash[0] << 16 | (size_t)hash[1] << 8 | hash[2]) % c->n];
}

/* Whether the token with this hash is kept; then *out is its account. */
static bool auth_kept(qt_auth_cache *c, const uint8_t *hash, qt_account *out)
{
	auth_slot *sl = auth_slot_of(c, hash);
	bool kept;

	pthread_mutex_lock(&c->lock);
	if ((kept = sl->used && sodium_memcmp(sl->hash, hash, QT_SHA256_LEN) == 0))
		*out = sl->who;
	pthread_mutex_unlock(&c->lock);
	return kept;
}

static void auth_keep(qt_auth_cache *c, const uint8_t *hash, const qt_account *who)
{
	auth_slot *sl = auth_slot_of(c, hash);

	pthread_mutex_lock(&c->lock);
	memcpy(sl->hash, hash, QT_SHA256_LEN);
	sl->who = *who;
	sl->used = true;
	pthread_mutex_unlock(&c->lock);
}

qt_rc qt_accounts_auth(qt_store *s, qt_auth_cache *cache, const char *token, qt_account *out,
                       qt_err *err)
{
	uint8_t h[QT_SHA256_LEN];
	char hash[2 * QT_SHA256_LEN + 1];
	json_t *doc = NULL;
	const char *id;
	qt_rc rc = QT_OK;

	if (strlen(token) != QT_TOKEN_LEN || strncmp(token, "qt_", 3) != 0) {
		rc = qt_err_set(err, QT_ERR_NOTFOUND, "unknown token");
		goto out;
	}
	token_id(token, h, hash);
	if (cache && auth_kept(cache, h, out))
		goto out;
	if ((rc = qt_doc_load(s, "token", hash, &doc, err)) != QT_OK) {
		if (rc == QT_ERR_NOTFOUND)
			qt_err_set(err, rc, "unknown token");
		goto out;
	}
	id = json_string_value(json_object_get(doc, "account"));
	if ((rc = qt_accounts_get(s, id ? id : "", out, err)) == QT_OK && cache)
		auth_keep(cache, h, out);
out:
	json_decref(doc);
	return rc;
}
