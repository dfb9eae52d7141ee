/*
 * vos_timer: RPC commands (ctl process: kamcmd, jsonrpcs).
 */
#ifndef VT_RPC_H
#define VT_RPC_H

#include "../../core/rpc.h"

extern rpc_export_t vt_rpc_cmds[];

#endif
