/* Stand-in for Kamailio's core/locking.h: one process, so a lock is a
 * flag that must never be taken twice or released when free (checked). */
#ifndef VT_STUB_LOCKING_H
#define VT_STUB_LOCKING_H
#include <assert.h>
typedef int gen_lock_t;
#define lock_init(l) (*(l) = 0, (l))
#define lock_destroy(l) ((void)(l))
#define lock_get(l) (assert(*(l) == 0), *(l) = 1)
#define lock_release(l) (assert(*(l) == 1), *(l) = 0)
#endif
