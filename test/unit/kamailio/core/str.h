/*
 * Copyright (C) 2026 The vos_timer authors
 *
 * This file is part of vos_timer, a module for Kamailio, a free SIP server.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
/* Stand-in for Kamailio's core/str.h (unit tests of vt_store.c only). */
#ifndef VT_STUB_STR_H
#define VT_STUB_STR_H
typedef struct _str {
	char *s;
	int len;
} str;
#define STR_NULL {0, 0}
#define str_init(x) {(char *)(x), sizeof(x) - 1}
#endif
