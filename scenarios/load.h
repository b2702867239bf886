/**
 * @file scenarios/load.h
 * @brief Read a scenario file (XML, schema scenarios/cpnsim.xsd) into model objects.
 *
 * Stages, for the main file and every included file (docs/scenario-format.md):
 *  1. read and parse with libxml2 (XML_PARSE_NONET | XML_PARSE_BIG_LINES; no entity
 *     substitution, no DTD loading; a DOCTYPE or an entity reference is refused before
 *     anything it names is read), check the root `<cpnsim version="1">`, resolve
 *     `<include href="..."/>` (relative paths only, at most CPN_SCEN_MAX_INCLUDE_DEPTH levels,
 *     cycles refused);
 *  2. apply the `--set` overrides (struct cpn_override) to the parsed documents;
 *  3. validate every document against the schema, which is compiled into the program
 *     (cpn_scen_xsd), so no installed file is needed;
 *  4. when the structure is valid: check the semantics and build the topology, the routes and
 *     the traffic (units through scenarios/units.h, topology through models/topology.h, GraphML
 *     through scenarios/graphml.h, routes through models/route.h).
 * Every mistake is printed into the diagnostic sink as `cpnsim: FILE:LINE: ELEMENT "ID": what
 * is wrong (what would be accepted)`, and loading goes on to find all of them (the sink prints
 * at most its max_errors).  Reachability (a flow's src to dst, a path's hops) is checked only
 * when no other error was found, so that one bad link does not cascade into many messages.
 *
 * The loader is reentrant: no global state is touched (libxml2 error handlers are installed on
 * the parser, schema and XPath contexts only).
 */
#ifndef CPN_SCENARIOS_LOAD_H
#define CPN_SCENARIOS_LOAD_H

#include <stddef.h>
#include <stdint.h>

#include "models/route.h"
#include "models/topology.h"
#include "sim/array.h"
#include "sim/diag.h"

/** The scenario format version this program reads (root attribute `version`). */
#define CPN_SCEN_VERSION "1"

/**
 * Deepest include nesting accepted: the main file is level 0, a file it includes level 1, ...
 * Assumption: 8 levels are more than any sensible scenario needs and stop runaway recursion.
 */
#define CPN_SCEN_MAX_INCLUDE_DEPTH 8

/** One `--set TARGET=VALUE` override (all strings borrowed for the duration of the load). */
struct cpn_override {
    const char *target; /**< `ELEMENT@ATTR`, `ELEMENT/ID@ATTR`, or an XPath starting with '/'
                             that selects attribute nodes */
    const char *value;  /**< the new attribute value, as it would be written in the file */
    const char *origin; /**< location printed in messages about this override, e.g.
                             "batch.xml:12"; NULL (the usual choice for the command line)
                             prints "--set TARGET=VALUE" */
};

/**
 * Find where the target of a `--set TARGET=VALUE` argument ends: at the first '=' outside
 * brackets, parentheses and quotes, so that XPath predicates (`//link[@id="x"]/@capacity=1Gbps`)
 * stay in the target and the value may hold '='; when brackets or quotes are unbalanced, at the
 * last '=' (the loader then reports the invalid XPath).
 * @param arg the argument after --set (borrowed).
 * @param target_len receives the length of TARGET [chars]; VALUE starts at arg + *target_len + 1.
 * @return CPN_OK; CPN_EINVAL when @p arg has no such '=' or an empty target, or an argument is
 *   NULL (the message, cpn_error_message(), quotes the argument).  O(length of arg).
 */
int cpn_override_split(const char *arg, size_t *target_len);

/** Options of cpn_scen_load(); a zeroed struct (or NULL) means "no overrides". */
struct cpn_scen_options {
    const struct cpn_override *overrides; /**< n_overrides of them, applied in order (borrowed) */
    size_t n_overrides;                   /**< number of overrides */
};

/** An explicit path of the scenario (`<path id via/>`). */
struct cpn_scen_path {
    const char *id;               /**< path id (owned by the scenario) */
    const struct cpn_path *route; /**< the route (owned by the scenario's router) */
    const char *file;             /**< file that defines it (owned by the scenario) */
    long line;                    /**< line in @c file */
};

/** One flow of `<traffic>` (inline `<flow>` or a row of a `<flows>` CSV file). */
struct cpn_scen_flow {
    const char *id;      /**< flow id, unique among flows (owned by the scenario) */
    uint32_t src;        /**< source node index in the scenario's topology */
    uint32_t dst;        /**< destination node index */
    double size;         /**< bytes to move [B], >= 0 */
    double start;        /**< start time [s], >= 0 */
    uint32_t path;       /**< index into cpn_scenario.paths, or CPN_NONE for the shortest path */
    const char *profile; /**< transport profile: "ideal" (default), "tcp", "rdma-lossless" or
                              "rdma-lossy" (a static string) */
    double weight;       /**< weight in weighted max-min sharing (unit-less, > 0; default 1) */
    const char *file;    /**< file that defines it: the scenario or the CSV file (owned by the
                              scenario) */
    long line;           /**< line in @c file */
};

struct cpn_scen_strings; /* string storage of a scenario (private) */

/** A loaded scenario.  Fields are read-only for users; free with cpn_scen_free(). */
struct cpn_scenario {
    char *file;          /**< main file path as given (or the name given to the memory load) */
    char *text;          /**< full text of the main file, NUL-terminated (provenance) */
    size_t text_len;     /**< length of @c text [bytes] */
    double until;        /**< simulated end time [s], > 0 */
    uint64_t seed;       /**< seed of all random streams */
    double sample;       /**< interval between time-series samples [s]; 0 = no sampling */
    struct cpn_topo *topo;     /**< the network (owned) */
    struct cpn_router *router; /**< router over @c topo holding the explicit paths (owned) */
    CPN_ARRAY(struct cpn_scen_path) paths; /**< explicit paths, in file order */
    CPN_ARRAY(struct cpn_scen_flow) flows; /**< flows, in file order (not sorted by start) */
    CPN_ARRAY(const char *) files; /**< every file read: main, includes, GraphML, CSV, in the
                                        order read (strings owned by the scenario) */
    struct cpn_scen_strings *strings; /**< storage of every string above (private) */
};

/**
 * Load, validate and build a scenario file.
 * @param file path of the scenario (borrowed); relative includes and data files resolve
 *   against its directory, and messages show paths built from it.
 * @param opt overrides (borrowed), or NULL for none.
 * @param diag sink receiving every located error and warning (borrowed).
 * @param out receives the scenario (caller frees with cpn_scen_free()); NULL on error.
 * @return CPN_OK; CPN_ENOINPUT when @p file cannot be read (reported to @p diag as
 *   `cpnsim: FILE: cannot read: REASON`); CPN_ESCENARIO when any error was reported to
 *   @p diag (malformed XML, a DOCTYPE or entity, schema violation, bad override, include
 *   problem, bad unit or value, unknown id, unreachable pair, bad CSV or GraphML file);
 *   CPN_ENOMEM; CPN_EINVAL when @p file, @p diag or @p out is NULL.
 *   Complexity: linear in the input size plus one shortest-path search per distinct
 *   (src, dst) pair of the traffic.
 */
int cpn_scen_load(const char *file, const struct cpn_scen_options *opt, struct cpn_diag *diag,
                  struct cpn_scenario **out);

/**
 * Load a scenario from a memory buffer (for fuzzing and tests).  Same as cpn_scen_load() but
 * the main text is @p buf; includes and data files resolve against the current directory.
 * @param name file name used in messages and as cpn_scenario.file (borrowed).
 * @param buf the XML text (borrowed), @p len bytes, need not be NUL-terminated.
 * @param len length of @p buf [bytes].
 * @param opt, diag, out as in cpn_scen_load().
 * @return as cpn_scen_load(), except that CPN_ENOINPUT never occurs (a missing included or
 *   data file is a located CPN_ESCENARIO error).
 */
int cpn_scen_load_memory(const char *name, const char *buf, size_t len,
                         const struct cpn_scen_options *opt, struct cpn_diag *diag,
                         struct cpn_scenario **out);

/** Free a scenario, its topology, router and strings.  Accepts NULL. */
void cpn_scen_free(struct cpn_scenario *s);

/**
 * Find an explicit path of a scenario by id.
 * @return its index in s->paths, or CPN_NONE.  O(number of paths).
 */
uint32_t cpn_scen_find_path(const struct cpn_scenario *s, const char *id);

/** The schema scenarios/cpnsim.xsd, compiled in (generated scenarios/cpnsim_xsd.c). */
extern const unsigned char cpn_scen_xsd[];

/** Length of cpn_scen_xsd [bytes] (no terminating NUL is counted). */
extern const size_t cpn_scen_xsd_len;

#endif /* CPN_SCENARIOS_LOAD_H */
