/*
 * Policy plug-ins: dlopen a shared object, find its entry function, check its table
 * (see models/policy.h, docs/policies.md).  The only file of cpnsim that uses <dlfcn.h>.
 */
#include "models/policy.h"

#include <dlfcn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "sim/error.h"

/* The entry function's type (ISO C cannot cast a data pointer to a function pointer directly;
 * POSIX guarantees dlsym's result can be used this way, through memcpy). */
typedef const struct cpn_policy_ops *entry_fn(void);

int cpn_policy_plugin_open(const char *path, const struct cpn_policy_ops **ops, void **handle)
{
    if (!path || !ops || !handle)
        return CPN_ERROR(CPN_EINVAL, "policy plug-in: NULL argument");
    *ops = NULL;
    *handle = NULL;
    struct stat st;
    if (stat(path, &st) != 0 || !S_ISREG(st.st_mode))
        return CPN_ERROR(CPN_EPLUGIN,
                         "%s: no such plug-in file (give the path of a .so built "
                         "as in docs/policies.md)",
                         path);
    /* dlopen searches the library path for a bare name: make it relative to the current
     * directory, as a user typing --plugin mine.so expects. */
    size_t n = strlen(path);
    char *file = malloc(n + 3);
    if (!file)
        return CPN_ERROR(CPN_ENOMEM, "%s: out of memory", path);
    snprintf(file, n + 3, "%s%s", strchr(path, '/') ? "" : "./", path);
    void *h = dlopen(file, RTLD_NOW | RTLD_LOCAL);
    free(file);
    if (!h) {
        const char *why = dlerror();
        return CPN_ERROR(CPN_EPLUGIN, "%s: cannot load the plug-in: %s", path,
                         why ? why : "unknown dlopen error");
    }
    dlerror(); /* clear, so that a NULL symbol value is told from a missing symbol */
    void *sym = dlsym(h, CPN_POLICY_ENTRY);
    if (!sym) {
        dlclose(h);
        return CPN_ERROR(CPN_EPLUGIN,
                         "%s: the plug-in does not define %s() (see "
                         "docs/policies.md)",
                         path, CPN_POLICY_ENTRY);
    }
    entry_fn *entry;
    memcpy(&entry, &sym, sizeof entry);
    const struct cpn_policy_ops *table = entry();
    if (!table) {
        dlclose(h);
        return CPN_ERROR(CPN_EPLUGIN, "%s: %s() returned NULL", path, CPN_POLICY_ENTRY);
    }
    int rc = cpn_policy_check(table);
    if (rc != CPN_OK) {
        char why[1024];
        snprintf(why, sizeof why, "%s", cpn_error_message());
        dlclose(h);
        return CPN_ERROR(CPN_EPLUGIN, "%s: %s", path, why);
    }
    *ops = table;
    *handle = h;
    return CPN_OK;
}

void cpn_policy_plugin_close(void *handle)
{
    if (handle)
        dlclose(handle);
}
