/* HTML to PDF through headless Chromium's print-to-PDF. */
#include "printpdf.h"

#include <errno.h>
#include <ftw.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "util.h"

const char *printpdf_browser(void)
{
    static const char *const names[] = {"chromium", "chromium-browser", "google-chrome"};
    static char found[PATH_MAX];
    const char *env = getenv("PVBENCH_CHROMIUM");
    const char *path = getenv("PATH");

    if (env && *env) {
        return access(env, X_OK) == 0 ? env : NULL;
    }
    for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
        const char *p = path && *path ? path : "/usr/bin:/bin";
        while (*p) {
            size_t n = strcspn(p, ":");
            if (n && util_fmt(found, sizeof(found), "%.*s/%s", (int)n, p, names[i]) >= 0 &&
                access(found, X_OK) == 0) {
                return found;
            }
            p += n;
            p += *p == ':';
        }
    }
    return NULL;
}

static int printpdf_rm_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
    (void)st;
    (void)flag;
    (void)ftw;
    return remove(path) < 0 && errno != ENOENT ? -1 : 0;
}

/* Is the file a complete PDF (its header and its end-of-file marker)? */
static int printpdf_complete(const char *path)
{
    size_t len = 0, tail;
    char *buf = util_slurp(path, 64u << 20, &len);
    int ok;

    tail = len < 64 ? len : 64;
    ok = buf && len > 16 && memcmp(buf, "%PDF-", 5) == 0 &&
         memmem(buf + len - tail, tail, "%%EOF", 5) != NULL;

    free(buf);
    return ok;
}

int printpdf_from_html(const char *html, const char *pdf, double timeout_s, char *err,
                       size_t errlen)
{
    const char *browser = printpdf_browser();
    char profile[] = "/tmp/pvb-pdf-XXXXXX";
    char url[PATH_MAX + 16], tmp[PATH_MAX + 8], out_arg[PATH_MAX + 32], prof_arg[64];
    char abs[PATH_MAX], out[2048];
    int rc = -1, status;

    if (!browser) {
        util_seterr(err, errlen, "no Chromium (chromium, chromium-browser or google-chrome on "
                                 "PATH, or PVBENCH_CHROMIUM; scripts/setup installs it)");
        return -1;
    }
    if (!realpath(html, abs)) {
        util_seterr(err, errlen, "%s: %s", html, strerror(errno));
        return -1;
    }
    if (util_fmt(url, sizeof(url), "file://%s", abs) < 0 ||
        util_fmt(tmp, sizeof(tmp), "%s.part", pdf) < 0 ||
        util_fmt(out_arg, sizeof(out_arg), "--print-to-pdf=%s", tmp) < 0) {
        util_seterr(err, errlen, "path too long: %s", pdf);
        return -1;
    }
    if (!mkdtemp(profile)) {
        util_seterr(err, errlen, "cannot make a browser profile folder: %s", strerror(errno));
        return -1;
    }
    snprintf(prof_arg, sizeof(prof_arg), "--user-data-dir=%s", profile);
    {
        /* No network at all: the page and its images are local files. */
        char *argv[] = {(char *)browser, "--headless", "--no-sandbox", "--disable-gpu",
                        "--disable-quic", "--no-first-run", "--disable-background-networking",
                        "--disable-component-update", "--disable-sync", "--no-pdf-header-footer",
                        prof_arg, out_arg, url, NULL};
        unlink(tmp);
        status = util_run_capture(argv, out, sizeof(out), timeout_s);
    }
    if (status != 0 || !printpdf_complete(tmp)) {
        util_rstrip(out);
        util_seterr(err, errlen, "%s %s: %s", browser,
                     status < 0 ? "did not finish in time" : status ? "failed" : "wrote no PDF",
                     out[0] ? out : "no output");
        unlink(tmp);
    } else if (rename(tmp, pdf) < 0) {
        util_seterr(err, errlen, "cannot rename %s: %s", tmp, strerror(errno));
        unlink(tmp);
    } else {
        rc = 0;
    }
    nftw(profile, printpdf_rm_entry, 16, FTW_DEPTH | FTW_PHYS);
    return rc;
}
