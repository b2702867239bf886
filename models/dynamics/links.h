/**
 * @file models/dynamics/links.h
 * @brief Link states during a run: down (its flows stall), restored (after a restoration delay
 *        the routers avoid it and its flows move to another route), up again; and capacity
 *        changes.  Shared by timelines and random failures (docs/models-dynamics.md).
 *
 * A failure at t with restoration delay r (WSON optical restoration < 50 ms, 0 with 1+1
 * protection, seconds to minutes for IP reconvergence; ../shared/reference/network-models.md
 * §4.2–4.3): from t the link carries nothing and its flows stall; at t + r, if it is still down,
 * the topology marks it down (routers drop their cached routes and avoid it) and its flows are
 * moved to the new shortest routes between their ends (cpn_network_reroute()), those without one
 * staying stalled.  Without a restoration delay (NaN) flows only stall and resume.  When the
 * link is up again, the topology marks it up; flows moved away stay on their new routes.
 * Every change is an event: link_down, link_up, and reroute (subject = link, detail = how many
 * flows moved and stalled).
 */
#ifndef CPN_MODELS_DYNAMICS_LINKS_H
#define CPN_MODELS_DYNAMICS_LINKS_H

#include <stddef.h>
#include <stdint.h>

#include "models/jobs/jobs.h"
#include "models/net/network.h"
#include "models/net/topology.h"
#include "models/observer.h"
#include "sim/engine.h"

/** The link states of a run (opaque). */
struct cpn_links;

/**
 * Create the link-state keeper of a run.
 * @param eng, net, obs the engine, network and observer (borrowed; @p obs may be NULL).
 * @param topo the network's topology (borrowed, changed: links marked down and up for routing).
 * @param out receives the object (caller frees with cpn_links_free()).
 * @return CPN_OK; CPN_EINVAL for NULL arguments; CPN_ENOMEM.
 */
int cpn_links_new(struct cpn_engine *eng, struct cpn_network *net, struct cpn_topo *topo,
                  const struct cpn_observer *obs, struct cpn_links **out);

/**
 * Tell the policy of the jobs layer @p jobs (borrowed; NULL: none) of every link change
 * (cpn_jobs_link_changed()): a failure, a repair, a restoration, a capacity change.
 */
void cpn_links_notify(struct cpn_links *l, struct cpn_jobs *jobs);

/**
 * Take link @p link down now, with restoration after @p restore seconds (NaN: none, its flows
 * stall until it is up); or bring it up (@p up = 1; @p restore ignored): it is up again unless
 * a span it rides is cut (cpn_links_set_span()).  @p why is the event's detail (may be NULL).
 * Taking down a link that is down, or up one that is up, changes nothing in the network.
 * @return CPN_OK; CPN_EINVAL for an unknown link or a negative delay; CPN_ENOMEM; the
 *         observer's error.
 */
int cpn_links_set(struct cpn_links *l, uint32_t link, int up, double restore, const char *why);

/**
 * Name the spans of the network's wavelength layer (cpn_network_add_span()), @p n of them
 * (borrowed, for the events): from then on cpn_links_set_span() knows them.
 * @return CPN_OK; CPN_EINVAL for NULL names with n > 0; CPN_ENOMEM.
 */
int cpn_links_set_span_names(struct cpn_links *l, const char *const *names, uint32_t n);

/** Span @p span's name (cpn_links_set_span_names()), or NULL for an unknown span. */
const char *cpn_links_span_name(const struct cpn_links *l, uint32_t span);

/**
 * Cut fibre span @p span now (@p up = 0), with restoration after @p restore seconds (NaN:
 * none), or repair it: every link whose lightpaths ride it (cpn_network_link_spans()) goes down
 * as in cpn_links_set(), and up again when none of its spans is cut and it has not failed
 * itself.  The events name the span.  Cutting a cut span, or repairing one that is not, does
 * nothing.
 * @return CPN_OK; CPN_EINVAL for an unknown span or a negative delay; CPN_ENOMEM; the
 *         observer's error.
 */
int cpn_links_set_span(struct cpn_links *l, uint32_t span, int up, double restore);

/**
 * Take node @p node down now (@p up = 0; a router or site failure), with restoration after
 * @p restore seconds (NaN: none), or bring it up: every link at the node goes down as in
 * cpn_links_set(), and up again when neither end, nor a span under it, is down and it has not
 * failed itself.  Taking down a node that is down, or up one that is up, does nothing.
 * @return CPN_OK; CPN_EINVAL for an unknown node or a negative delay; CPN_ENOMEM; the
 *         observer's error.
 */
int cpn_links_set_node(struct cpn_links *l, uint32_t node, int up, double restore);

/**
 * Set link @p link's capacity now (kept while it is down) and report it.
 * @return as cpn_network_set_link(); the observer's error.
 */
int cpn_links_capacity(struct cpn_links *l, uint32_t link, double capacity);

/** The network (borrowed). */
struct cpn_network *cpn_links_network(const struct cpn_links *l);

/** Flows moved by restorations so far, and flows left stalled for want of a route. */
void cpn_links_reroutes(const struct cpn_links *l, uint64_t *moved, uint64_t *stalled);

/** Free the object; accepts NULL.  Its pending events must not fire afterwards. */
void cpn_links_free(struct cpn_links *l);

#endif /* CPN_MODELS_DYNAMICS_LINKS_H */
