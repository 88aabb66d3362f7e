/*
** fuzz.h: what the libFuzzer targets share (docs/testing.md).
**
** Each target defines LLVMFuzzerTestOneInput.  Built with -fsanitize=fuzzer
** (INSPIREC_FUZZ=ON) libFuzzer drives it; in every other build fuzz_main.c
** gives it a main that replays the files and folders named on the command
** line, so the corpora and every crash ever found run as regression tests in
** the ordinary suite.  A broken property is a crash: fuzz_fail prints it and
** aborts, which libFuzzer records as a finding.
*/
#ifndef INSPIRE_FUZZ_H
#define INSPIRE_FUZZ_H

#include "backends/backend.h"
#include "frontend/frontend.h"

#include <stddef.h>
#include <stdint.h>

/* Inputs past this are skipped: the limits test covers big inputs, and
** libFuzzer is fastest on small ones. */
#define FUZZ_MAX_INPUT (64 * 1024)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Print what broke, then abort. */
_Noreturn void fuzz_fail(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Lower the plan from prev, up and down, for every dialect, and the whole of
** `next` (when given): nothing may crash, every script renders. */
void fuzz_lower_all(const st_schema *prev, const ir_plan *plan, const st_schema *next, arena *a);

#endif
