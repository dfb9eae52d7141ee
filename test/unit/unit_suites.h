/*
 * Copyright (C) 2026 The vos_timer authors
 *
 * This file is part of vos_timer, a module for Kamailio, a free SIP server.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
/* Suites of the vos_timer unit tests (one per pure-C unit). */
#ifndef UNIT_SUITES_H
#define UNIT_SUITES_H

#include <check.h>

Suite *params_suite(void);
Suite *headers_suite(void);
Suite *heap_suite(void);
Suite *policy_suite(void);
Suite *rfc4028_suite(void);
Suite *hist_suite(void);
Suite *persist_suite(void);
Suite *store_suite(void);
Suite *cluster_msg_suite(void);
Suite *flight_suite(void);
Suite *pace_suite(void);
Suite *runs_suite(void);

#endif
