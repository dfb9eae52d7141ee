/* The stand-ins' state (see kamailio/core/). */
#include <stdlib.h>

int vt_stub_log_errors = 0;
int vt_stub_pkg_fail_after = -1;
int vt_stub_shm_fail_after = -1;
long vt_stub_pkg_live = 0;
long vt_stub_shm_live = 0;

static int take(int *fail_after)
{
	if(*fail_after < 0)
		return 1;
	if(*fail_after == 0) {
		*fail_after = -1;
		return 0;
	}
	(*fail_after)--;
	return 1;
}

void *vt_stub_pkg_malloc(size_t n)
{
	void *p = take(&vt_stub_pkg_fail_after) ? malloc(n) : NULL;

	vt_stub_pkg_live += p != NULL;
	return p;
}

void vt_stub_pkg_free(void *p)
{
	vt_stub_pkg_live -= p != NULL;
	free(p);
}

void *vt_stub_shm_malloc(size_t n)
{
	void *p = take(&vt_stub_shm_fail_after) ? malloc(n) : NULL;

	vt_stub_shm_live += p != NULL;
	return p;
}

void vt_stub_shm_free(void *p)
{
	vt_stub_shm_live -= p != NULL;
	free(p);
}
