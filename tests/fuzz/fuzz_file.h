/*
 * Shared by the libFuzzer targets whose parser reads a file: write the input to a private
 * temporary file (one per process, rewritten for every input) and return its path.
 */
#ifndef CPN_TESTS_FUZZ_FUZZ_FILE_H
#define CPN_TESTS_FUZZ_FUZZ_FILE_H

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* Write @p data to the process's temporary file with suffix @p suffix; its path, or NULL. */
static inline const char *cpn_fuzz_file(const uint8_t *data, size_t size, const char *suffix)
{
    static char path[256];
    snprintf(path, sizeof path, "/tmp/cpn-fuzz-%ld%s", (long)getpid(), suffix);
    FILE *f = fopen(path, "wb");
    if (!f)
        return NULL;
    if (size && fwrite(data, 1, size, f) != size) {
        fclose(f);
        return NULL;
    }
    return fclose(f) == 0 ? path : NULL;
}

/* A sink for the parsers' located messages. */
static inline FILE *cpn_fuzz_sink(void)
{
    static FILE *sink;
    if (!sink)
        sink = fopen("/dev/null", "w");
    return sink;
}

#endif /* CPN_TESTS_FUZZ_FUZZ_FILE_H */
