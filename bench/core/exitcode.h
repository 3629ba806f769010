/*
 * pvbench's exit codes: documented in README.md and `pvbench --help`. One rule for every
 * subcommand: 2 is what the user fixes in the command or its inputs (an option, a scenario,
 * a run folder named that is missing, not a run, or unreadable); 3 is what failed while
 * working (a guest, a host, memory, an output that could not be written, an interrupt).
 */
#ifndef PVB_EXITCODE_H
#define PVB_EXITCODE_H

enum pvb_exit {
    PVB_EXIT_OK = 0,         /* everything measured (compare: no regression) */
    PVB_EXIT_REGRESSION = 1, /* compare: a regression was found */
    PVB_EXIT_USAGE = 2,      /* bad command line, scenario or input files */
    PVB_EXIT_FAILED = 3,     /* could not measure: a configuration failed, or interrupted */
    PVB_EXIT_SKIPPED = 4,    /* some configurations were skipped: this host cannot run them */
    PVB_EXIT_UNDECIDED = 5,  /* compare: no cell worse, some UNKNOWN (more boots would tell) */
};

#endif
