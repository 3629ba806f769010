/*
 * What `pvbench run` (and the demo) show of a finished run: the terminal table, report.html
 * and the --baseline verdict, given to the run as its struct run_finish (run.h), so that the
 * run layer includes no output module.
 */
#ifndef PVB_RUNOUT_H
#define PVB_RUNOUT_H

#include "run.h"

extern const struct run_finish runout_finish;

#endif
