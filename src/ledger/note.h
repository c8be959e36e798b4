/* note.h — C2SP signed notes with Ed25519 and C2SP tlog-checkpoint bodies: how the log's
 * operator commits, in a form anyone can check offline, to one tree size and root. */
#ifndef QT_NOTE_H
#define QT_NOTE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ledger/merkle.h"
#include "util/rc.h"

#define QT_NOTE_NAME_MAX 128  /* key name / checkpoint origin, bytes */
#define QT_NOTE_MAX      4096 /* a whole signed note, bytes */

/* Key names are non-empty, contain no Unicode spaces and no '+' (C2SP signed-note). */
typedef struct qt_signer {
	char name[QT_NOTE_NAME_MAX + 1];
	uint32_t key_id; /* first 4 bytes of SHA-256(name || "\n" || 0x01 || public key), BE */
	uint8_t pk[32];
	uint8_t sk[64]; /* libsodium Ed25519 secret key (seed || pk) */
} qt_signer;

typedef struct qt_verifier {
	char name[QT_NOTE_NAME_MAX + 1];
	uint32_t key_id;
	uint8_t pk[32];
} qt_verifier;

/* New key from the system's random source. */
qt_rc qt_note_keygen(const char *name, qt_signer *out, qt_err *err)
        __attribute__((warn_unused_result));
void qt_note_signer_wipe(qt_signer *s); /* sodium_memzero */
void qt_note_verifier_of(const qt_signer *s, qt_verifier *out);

/* Text forms: "PRIVATE+KEY+<name>+<hex key id>+<base64(0x01 || seed)>" and
 * "<name>+<hex key id>+<base64(0x01 || public key)>". */
qt_rc qt_note_signer_format(const qt_signer *s, char *out, size_t outsz);
qt_rc qt_note_signer_parse(const char *text, size_t n, qt_signer *out, qt_err *err)
        __attribute__((warn_unused_result));
qt_rc qt_note_verifier_format(const qt_verifier *v, char *out, size_t outsz);
qt_rc qt_note_verifier_parse(const char *text, size_t n, qt_verifier *out, qt_err *err)
        __attribute__((warn_unused_result));

/* Sign `text` (must end in '\n' and contain no blank line): out gets
 * text || "\n" || "— <name> <base64(key id || signature)>\n" and a NUL. */
qt_rc qt_note_sign(const qt_signer *s, const char *text, size_t n, char *out, size_t outsz,
                   size_t *outlen, qt_err *err) __attribute__((warn_unused_result));

/* Check that `note` carries a valid signature by v (other signers' lines are ignored);
 * on success *text_len is the length of the signed text (a prefix of note). */
qt_rc qt_note_verify(const qt_verifier *v, const char *note, size_t n, size_t *text_len,
                     qt_err *err) __attribute__((warn_unused_result));

/* C2SP tlog-checkpoint body: "<origin>\n<size>\n<base64 root>\n". */
typedef struct qt_checkpoint {
	char origin[QT_NOTE_NAME_MAX + 1];
	uint64_t size;
	qt_hash root;
} qt_checkpoint;

qt_rc qt_checkpoint_format(const qt_checkpoint *c, char *out, size_t outsz, size_t *outlen);
/* Parses the body (extension lines after the root are allowed and ignored). */
qt_rc qt_checkpoint_parse(const char *text, size_t n, qt_checkpoint *out, qt_err *err)
        __attribute__((warn_unused_result));

#endif
