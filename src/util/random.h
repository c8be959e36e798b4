/* random.h — cryptographically secure random bytes for salts and identifiers, drawn from the
 * kernel (through libsodium) in 4 KiB blocks per thread: one system call per 128 salts
 * rather than one per salt, which a 10,000-record group would otherwise pay 10,000 times. */
#ifndef QT_RANDOM_H
#define QT_RANDOM_H

#include <stddef.h>

#include "util/rc.h"

/* Fills buf; QT_ERR_IO if the system's random source fails. Thread-safe; a fork()ed child
 * never reuses bytes its parent had pooled. */
qt_rc qt_random(void *buf, size_t n) __attribute__((warn_unused_result));

#endif
