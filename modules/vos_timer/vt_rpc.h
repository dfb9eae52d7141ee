/*
 * Copyright (C) 2026 The vos_timer authors
 *
 * This file is part of vos_timer, a module for Kamailio, a free SIP server.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
/*
 * vos_timer: RPC commands (ctl process: kamcmd, jsonrpcs).
 */
#ifndef VT_RPC_H
#define VT_RPC_H

#include "../../core/rpc.h"

extern rpc_export_t vt_rpc_cmds[];

#endif
