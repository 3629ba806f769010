/*
 * A configuration's device_options against the QEMU binary that will run it: each property
 * name must be one that `BINARY -device MODEL,help` lists. The answer is asked once per
 * binary and model, then cached for the process.
 */
#ifndef PVB_DEVPROPS_H
#define PVB_DEVPROPS_H

#include <stddef.h>

#include "scenario.h"

/*
 * Check props ("a=1,b=2") for QEMU device model against binary. 0; -1 with err (QEMU's own
 * words when it does not know the model or the property); -2 when binary cannot be run.
 */
int devprops_check(const char *binary, const char *model, const char *props, char *err,
                   size_t errlen) __attribute__((warn_unused_result));

/*
 * Every configuration of s with device_options, against binary (a configuration's own qemu =
 * path when it is one). 0, or -1 with "file:line: config 'NAME': device_options: ..." in err.
 */
int devprops_check_scenario(const struct scenario *s, const char *binary, char *err, size_t errlen)
    __attribute__((warn_unused_result));

#endif
