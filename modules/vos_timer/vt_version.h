/*
 * Copyright (C) 2026 The vos_timer authors
 *
 * This file is part of vos_timer, a module for Kamailio, a free SIP server.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
/*
 * vos_timer: the release version, in this one place. The module reports
 * it (start-up log, vos_timer.stats), and make dist and make deb read it
 * from here (CHANGELOG.md says what each version brings).
 */
#ifndef VT_VERSION_H
#define VT_VERSION_H

#define VT_VERSION "1.5.2"

#endif
