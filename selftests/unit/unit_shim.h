/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The few kernel types and helpers the pure-logic files (core/insn.c,
 * core/gwalk.c) use, for building them on the host.
 */
#ifndef VMON_UNIT_SHIM_H
#define VMON_UNIT_SHIM_H

#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>

typedef uint8_t u8;
typedef uint16_t u16;
typedef uint32_t u32;
typedef uint64_t u64;
typedef int8_t s8;
typedef int16_t s16;
typedef int32_t s32;
typedef int64_t s64;

#define fallthrough	__attribute__((__fallthrough__))

#endif /* VMON_UNIT_SHIM_H */
