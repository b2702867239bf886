/*
 * `cpnsim report` and `cpnsim info` (program layer: may use every other layer).
 */
#include "config.h"

#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "output/atomic.h"
#include "output/report.h"
#include "cli/cli.h"
#include "sim/error.h"

int cpn_cmd_report(struct cpn_cli *cli, int argc, char **argv)
{
    static const struct option options[] = {
        {"by", required_argument, NULL, 'b'},
        {"metrics", required_argument, NULL, 'm'},
        {"format", required_argument, NULL, 'f'},
        {"output", required_argument, NULL, 'o'},
        {"mix", no_argument, NULL, 'x'},
        {"paired", required_argument, NULL, 'p'},
        {"force", no_argument, NULL, 'F'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    struct cpn_report_options opt = {.by = NULL, .metrics = NULL, .format = CPN_REPORT_MD};
    const char *out_path = NULL;
    int c, force = 0;
    (void)cli;
    while ((c = getopt_long(argc, argv, "o:h", options, NULL)) != -1) {
        switch (c) {
        case 'b':
            opt.by = optarg;
            break;
        case 'm':
            opt.metrics = optarg;
            break;
        case 'f':
            if (cpn_report_format_parse(optarg, &opt.format) != CPN_OK)
                return cpn_cli_usage_error("report", "%s", cpn_error_message());
            break;
        case 'o':
            if (cpn_cli_output_name("report", "-o", optarg, "file"))
                return EX_USAGE;
            out_path = optarg;
            break;
        case 'x':
            opt.mix = 1;
            break;
        case 'p':
            opt.paired = optarg;
            break;
        case 'F':
            force = 1;
            break;
        case 'h':
            printf("usage: cpnsim report RESULT.h5... [--by KEYS] [--metrics LIST] "
                   "[--format md|csv|tex] [-o FILE [--force]] [--mix] "
                   "[--paired [KEY=]BASELINE]\n");
            return 0;
        default:
            return cpn_cli_option_error("report", argv, "o:h", options);
        }
    }
    if (optind >= argc)
        return cpn_cli_usage_error("report", "no result file given");
    /* -o is checked before anything is read: never one of the results (which --force would
     * replace by the table), never an existing file without --force. */
    for (int i = optind; out_path && i < argc; i++)
        if (cpn_output_same(out_path, argv[i]))
            return cpn_cli_usage_error("report",
                                       "-o %s names a result this report reads (%s): give the "
                                       "table another name",
                                       out_path, argv[i]);
    if (out_path && cpn_output_check(out_path, force, 1, NULL) != CPN_OK) {
        fprintf(stderr, "cpnsim: report: %s\n", cpn_error_message());
        return EX_CANTCREAT;
    }
    struct cpn_report *r = NULL;
    int rc = cpn_report_new(&opt, &r);
    if (rc != CPN_OK) {
        cpn_report_free(r);
        return cpn_cli_usage_error("report", "%s", cpn_error_message());
    }
    size_t added = 0;
    for (int i = optind; i < argc && rc == CPN_OK; i++) {
        rc = cpn_report_add_file(r, argv[i]);
        if (rc == CPN_ESTATE) { /* incomplete: warn and go on */
            fprintf(stderr, "cpnsim: report: warning: %s\n", cpn_error_message());
            rc = CPN_OK;
        } else if (rc == CPN_OK) {
            added++;
        }
    }
    if (rc == CPN_OK && added == 0)
        rc = CPN_ERROR(CPN_ENOINPUT, "no complete run among the %d file(s) given", argc - optind);
    struct cpn_atomic file = {0};
    FILE *out = stdout;
    if (rc == CPN_OK && out_path && (rc = cpn_atomic_open(&file, out_path, force)) == CPN_OK)
        out = file.f;
    if (rc == CPN_OK)
        rc = cpn_report_write(r, out);
    if (file.f && rc == CPN_OK)
        rc = cpn_atomic_commit(&file);
    else if (file.f)
        cpn_atomic_abort(&file);
    cpn_report_free(r);
    if (rc == CPN_ERANGE) /* an unknown --by key or --paired baseline: a command-line error */
        return cpn_cli_usage_error("report", "%s", cpn_error_message());
    if (rc != CPN_OK)
        fprintf(stderr, "cpnsim: report: %s\n", cpn_error_message());
    return cpn_exit_code(rc);
}

int cpn_cmd_info(struct cpn_cli *cli, int argc, char **argv)
{
    static const struct option options[] = {
        {"scenario", no_argument, NULL, 's'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    int c, with_scenario = 0;
    (void)cli;
    while ((c = getopt_long(argc, argv, "h", options, NULL)) != -1) {
        if (c == 's') {
            with_scenario = 1;
        } else if (c == 'h') {
            printf("usage: cpnsim info RESULT.h5... [--scenario]\n");
            return 0;
        } else {
            return cpn_cli_option_error("info", argv, "h", options);
        }
    }
    if (optind >= argc)
        return cpn_cli_usage_error("info", "no result file given");
    int status = 0;
    for (int i = optind; i < argc; i++) {
        if (i > optind)
            putchar('\n');
        int rc = cpn_report_info(argv[i], stdout, with_scenario);
        if (rc != CPN_OK) {
            fprintf(stderr, "cpnsim: info: %s\n", cpn_error_message());
            if (!status)
                status = cpn_exit_code(rc);
        }
    }
    return status;
}
