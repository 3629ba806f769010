/*
 * pvbench's manual, generated from its tables so it cannot drift from the code: pvbench(1)
 * from the subcommands' option tables (cli.h), pvbench-scenario(5) from the scenario keys,
 * and a bash completion script (`pvbench help man1|man5|completion`, run by the Makefile).
 */
#ifndef PVB_MANUAL_H
#define PVB_MANUAL_H

#include <stdio.h>

#include "cli.h"

/* The exit codes, one a line (pvbench --help). */
void manual_exit_codes(FILE *out);

/* pvbench(1) in troff (man macros): every subcommand of specs and its options. 0 or -1. */
int manual_man1(FILE *out, const struct cli_spec *const *specs, unsigned n);

/* pvbench-scenario(5): every scenario key with its value, default and meaning. 0 or -1. */
int manual_man5(FILE *out);

/* A bash completion script: subcommands, their options, option arguments, device models,
 * workloads and scenario keys (--set), scenario files. 0 or -1. */
int manual_completion(FILE *out, const struct cli_spec *const *specs, unsigned n);

#endif
