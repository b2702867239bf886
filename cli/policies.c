/*
 * `cpnsim policies [--plugin PATH.so ...]`: list the built-in policies and those of the given
 * plug-ins, with their parameters (program layer).
 */
#include "config.h"

#include <getopt.h>
#include <stdio.h>

#include "models/policy.h"
#include "cli/cli.h"
#include "sim/error.h"

static void print_policy(const struct cpn_policy_ops *ops, const char *path)
{
    printf("%-18s %s%s\n    %s\n", ops->name, path ? "plug-in " : "built-in", path ? path : "",
           ops->doc);
    if (ops->n_params == 0)
        printf("    (no parameters)\n");
    for (uint32_t i = 0; i < ops->n_params; i++) {
        const struct cpn_policy_param *pa = &ops->params[i];
        printf("    %-16s [%s] default %g, range %g to %g: %s\n", pa->name, pa->unit, pa->def,
               pa->min, pa->max, pa->doc);
    }
    printf("\n");
}

int cpn_cmd_policies(struct cpn_cli *cli, int argc, char **argv)
{
    static const struct option options[] = {
        {"plugin", required_argument, NULL, 'p'},
        {NULL, 0, NULL, 0},
    };
    (void)cli;
    struct cpn_policy_registry *reg = cpn_policy_registry_new();
    if (!reg) {
        fprintf(stderr, "cpnsim: policies: out of memory\n");
        return cpn_exit_code(CPN_ENOMEM);
    }
    int c, status = 0;
    while ((c = getopt_long(argc, argv, "", options, NULL)) != -1) {
        if (c != 'p') {
            cpn_policy_registry_free(reg);
            return cpn_cli_option_error("policies", argv, "", options);
        }
        int rc = cpn_policy_registry_load(reg, optarg);
        if (rc != CPN_OK) {
            fprintf(stderr, "cpnsim: policies: %s\n", cpn_error_message());
            status = cpn_exit_code(rc);
        }
    }
    if (optind < argc) {
        cpn_policy_registry_free(reg);
        return cpn_cli_usage_error("policies", "unexpected argument '%s'", argv[optind]);
    }
    if (status == 0) {
        printf("Scheduling policies (use with <scheduler policy=\"NAME\"> or --policy NAME;\n"
               "set parameters with <param name=\"...\" value=\"...\"/>):\n\n");
        for (size_t i = 0; i < cpn_policy_registry_count(reg); i++) {
            const char *path;
            const struct cpn_policy_ops *ops = cpn_policy_registry_at(reg, i, &path);
            print_policy(ops, path);
        }
    }
    cpn_policy_registry_free(reg);
    return status;
}
