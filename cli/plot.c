/*
 * `cpnsim plot`: a thin wrapper that runs the Python package's `python3 -m cpnsim plot`
 * (python/cpnsim, docs/python.md) with the same arguments (program layer).
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/cli.h"

char *cpn_cli_python_path(void)
{
    /* The installed package, else the source tree's (a build that is not installed). */
    const char *dir =
        access(CPN_PYTHONDIR "/cpnsim/__init__.py", R_OK) == 0 ? CPN_PYTHONDIR : CPN_SRC_PYTHONDIR;
    const char *old = getenv("PYTHONPATH");
    size_t n = strlen(dir) + (old && *old ? strlen(old) + 1 : 0) + 1;
    char *path = malloc(n);
    if (path)
        snprintf(path, n, "%s%s%s", dir, old && *old ? ":" : "", old && *old ? old : "");
    return path;
}

int cpn_cmd_plot(struct cpn_cli *cli, int argc, char **argv)
{
    (void)cli;
    const char *python = getenv("CPNSIM_PYTHON");
    if (!python || !*python)
        python = "python3";
    char *path = cpn_cli_python_path();
    char **args = malloc(((size_t)argc + 4) * sizeof *args);
    if (!path || !args) {
        fprintf(stderr, "cpnsim: plot: out of memory\n");
        free(path);
        free(args);
        return 71; /* EX_OSERR */
    }
    setenv("PYTHONPATH", path, 1);
    setenv("CPNSIM_PROG", "cpnsim", 1); /* its usage errors name the command the user typed */
    int k = 0;
    args[k++] = (char *)python;
    args[k++] = "-m";
    args[k++] = "cpnsim";
    args[k++] = "plot";
    for (int i = 1; i < argc; i++)
        args[k++] = argv[i];
    args[k] = NULL;
    fflush(stdout);
    execvp(python, args);
    fprintf(stderr,
            "cpnsim: plot: cannot run \"%s\": %s (install Python 3 with Debian's python3-h5py, "
            "python3-pandas and python3-matplotlib, or name an interpreter in CPNSIM_PYTHON)\n",
            python, strerror(errno));
    free(path);
    free(args);
    return 69; /* EX_UNAVAILABLE */
}
