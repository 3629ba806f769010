/* Where pvbench finds its files (paths.h). */
#include "paths.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "util.h"

#ifndef PVB_DATADIR
#define PVB_DATADIR "."
#endif

/* Found again at every call: the environment may change (tests), and calls are rare. */
static struct {
    enum paths_layout layout;
    char root[PATH_MAX]; /* the tree, or the install prefix */
    char data[PATH_MAX], cache[PATH_MAX], image[PATH_MAX], agent[PATH_MAX], locale[PATH_MAX];
    char keep[PATH_MAX];
} paths;

/* Is base + sub a folder we can enter? */
static int paths_is_dir(const char *base, const char *sub)
{
    char p[PATH_MAX + 64];

    return util_fmt(p, sizeof(p), "%s%s", base, sub) >= 0 && access(p, X_OK) == 0;
}

/* The folder above the binary's own folder ("" when /proc/self/exe cannot be read). */
static void paths_exe_parent(char *out, size_t len)
{
    char exe[PATH_MAX];
    ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
    char *slash;

    out[0] = '\0';
    if (n <= 0) {
        return;
    }
    exe[n] = '\0';
    for (int i = 0; i < 2 && (slash = strrchr(exe, '/')) != NULL; i++) {
        *slash = '\0';
    }
    util_strlcpy(out, exe[0] ? exe : "/", len);
}

/* An environment variable's value, or NULL when unset or empty. */
static const char *paths_env(const char *name)
{
    const char *v = getenv(name);

    return v && *v ? v : NULL;
}

/* dst = $env, else base + sub. */
static void paths_set(char *dst, const char *env, const char *base, const char *sub)
{
    const char *v = paths_env(env);

    if (v) {
        util_strlcpy(dst, v, PATH_MAX);
    } else if (util_fmt(dst, PATH_MAX, "%s%s", base, sub) < 0) {
        dst[0] = '\0';
    }
}

static void paths_find(void)
{
    char up[PATH_MAX];
    const char *xdg = paths_env("XDG_CACHE_HOME"), *home = paths_env("HOME");

    paths_exe_parent(up, sizeof(up));
    if (up[0] && paths_is_dir(up, "/share/pvbench/scenarios")) {
        paths.layout = PATHS_INSTALLED;
        util_strlcpy(paths.root, up, sizeof(paths.root));
    } else {
        /* a tree: the binary's own (bench/pvbench), else the one it was built in (tests) */
        paths.layout = PATHS_TREE;
        util_strlcpy(paths.root,
                     up[0] && paths_is_dir(up, "/scenarios") &&
                             paths_is_dir(up, "/guest-agent")
                         ? up
                         : PVB_DATADIR,
                     sizeof(paths.root));
    }
    if (paths.layout == PATHS_TREE) {
        paths_set(paths.data, "PVBENCH_DATADIR", paths.root, "");
        paths_set(paths.cache, "PVBENCH_CACHE_DIR", paths.root, "/build");
        paths_set(paths.agent, "PVBENCH_AGENT", paths.root, "/guest-agent/pvbench-agent");
        paths_set(paths.locale, "PVBENCH_LOCALEDIR", paths.root, "/build/locale");
        util_strlcpy(paths.keep, paths.root, sizeof(paths.keep));
    } else {
        const char *xdg_data = paths_env("XDG_DATA_HOME");

        if (geteuid() == 0) {
            util_strlcpy(paths.keep, "/var/lib/pvbench", sizeof(paths.keep));
        } else if (xdg_data) {
            paths_set(paths.keep, "", xdg_data, "/pvbench");
        } else {
            paths_set(paths.keep, "", home ? home : "/tmp", "/.local/share/pvbench");
        }
        paths_set(paths.data, "PVBENCH_DATADIR", paths.root, "/share/pvbench");
        if (paths_env("PVBENCH_CACHE_DIR") || geteuid() == 0) {
            paths_set(paths.cache, "PVBENCH_CACHE_DIR", "/var/cache/pvbench", "");
        } else if (xdg) {
            paths_set(paths.cache, "PVBENCH_CACHE_DIR", xdg, "/pvbench");
        } else {
            paths_set(paths.cache, "PVBENCH_CACHE_DIR", home ? home : "/tmp", "/.cache/pvbench");
        }
        paths_set(paths.agent, "PVBENCH_AGENT", paths.root, "/lib/pvbench/pvbench-agent");
        paths_set(paths.locale, "PVBENCH_LOCALEDIR", paths.root, "/share/locale");
    }
    paths_set(paths.image, "PVBENCH_IMAGE_DIR", paths.cache, "/guest");
}

enum paths_layout paths_layout(void)
{
    paths_find();
    return paths.layout;
}

const char *paths_datadir(void)
{
    paths_find();
    return paths.data;
}

const char *paths_cachedir(void)
{
    paths_find();
    return paths.cache;
}

const char *paths_image_dir(void)
{
    paths_find();
    return paths.image;
}

const char *paths_agent(void)
{
    paths_find();
    return paths.agent;
}

const char *paths_localedir(void)
{
    paths_find();
    return paths.locale;
}

const char *paths_keepdir(void)
{
    paths_find();
    return paths.keep;
}

int paths_scenario(const char *arg, char *out, size_t len)
{
    size_t n = strlen(arg);
    int bare = !strchr(arg, '/') && !(n > 4 && strcmp(arg + n - 4, ".ini") == 0);

    util_strlcpy(out, arg, len);
    if (!bare) {
        return access(arg, R_OK) == 0 ? 0 : -1;
    }
    if (access(arg, R_OK) == 0) {
        return 0; /* a file of that very name here */
    }
    if (util_fmt(out, len, "%s.ini", arg) >= 0 && access(out, R_OK) == 0) {
        return 0;
    }
    if (util_fmt(out, len, "%s/scenarios/%s.ini", paths_datadir(), arg) >= 0 &&
        access(out, R_OK) == 0) {
        return 0;
    }
    util_strlcpy(out, arg, len);
    return -1;
}
