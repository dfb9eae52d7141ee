/*
 * vos_timer: header facts for timer-mode detection (pure C).
 */
#include <string.h>
#include <strings.h>

#include "vt_headers.h"

int vt_hdr_name_is(const char *name, size_t len, const char *long_name,
		char compact)
{
	size_t ll = strlen(long_name);

	if(name == NULL)
		return 0;
	if(compact != 0 && len == 1
			&& (name[0] | 0x20) == (compact | 0x20))
		return 1;
	return len == ll && strncasecmp(name, long_name, ll) == 0;
}

static int is_lws(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

int vt_token_list_has(const char *body, size_t len, const char *token)
{
	size_t tl = strlen(token);
	const char *p = body, *end = body + len, *item_end, *a, *b;

	if(body == NULL)
		return 0;
	while(p < end) {
		item_end = memchr(p, ',', (size_t)(end - p));
		if(item_end == NULL)
			item_end = end;
		a = p;
		b = item_end;
		while(a < b && is_lws(*a))
			a++;
		while(b > a && is_lws(b[-1]))
			b--;
		if((size_t)(b - a) == tl && strncasecmp(a, token, tl) == 0)
			return 1;
		p = item_end + 1;
	}
	return 0;
}

void vt_facts_add_header(vt_timer_facts_t *f, const char *name, size_t nlen,
		const char *body, size_t blen)
{
	if(vt_hdr_name_is(name, nlen, "Session-Expires", 'x')) {
		f->has_session_expires = 1;
	} else if(vt_hdr_name_is(name, nlen, "Supported", 'k')
			  || vt_hdr_name_is(name, nlen, "Require", 0)) {
		if(vt_token_list_has(body, blen, "timer"))
			f->supports_timer = 1;
	}
}

int vt_facts_timer_capable(const vt_timer_facts_t *f)
{
	return f->has_session_expires || f->supports_timer;
}
