/*
 * An HTML page printed to PDF by headless Chromium (its print-to-PDF, the page's own
 * @page size and margins), for handouts a class prints. Chromium is an optional helper:
 * without it the caller says what is missing and goes on with the HTML.
 */
#ifndef PVB_PRINTPDF_H
#define PVB_PRINTPDF_H

#include <stddef.h>

/* Chromium's program: $PVBENCH_CHROMIUM, else the first of chromium, chromium-browser,
 * google-chrome on PATH. NULL when there is none. */
const char *printpdf_browser(void);

/*
 * Print html (a file) to pdf (a file, replaced only when the new one is complete). Blocks
 * up to timeout_s. 0, or -1 with the reason in err ("chromium not found", its own words).
 */
int printpdf_from_html(const char *html, const char *pdf, double timeout_s, char *err,
                       size_t errlen) __attribute__((warn_unused_result));

#endif
