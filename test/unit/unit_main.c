/*
 * Copyright (C) 2026 The vos_timer authors
 *
 * This file is part of vos_timer, a module for Kamailio, a free SIP server.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
/* Runs every vos_timer unit suite; exit status non-zero on any failure. */
#include <stdlib.h>

#include "unit_suites.h"

int main(void)
{
	SRunner *sr;
	int failed;

	sr = srunner_create(params_suite());
	srunner_add_suite(sr, headers_suite());
	srunner_add_suite(sr, heap_suite());
	srunner_add_suite(sr, policy_suite());
	srunner_add_suite(sr, rfc4028_suite());
	srunner_add_suite(sr, hist_suite());
	srunner_add_suite(sr, persist_suite());
	srunner_add_suite(sr, store_suite());
	srunner_add_suite(sr, flight_suite());
	srunner_add_suite(sr, pace_suite());
	srunner_add_suite(sr, runs_suite());
	srunner_add_suite(sr, cluster_msg_suite());

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
