/* The network glue: topology + routes + transport caps + fluid flows (see network.h). */
#include "models/net/network.h"
#include "models/net/optical.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "sim/array.h"
#include "sim/engine.h"
#include "sim/error.h"

/* What a (path, profile) pair costs to compute once: the per-flow cap and the interned path of
 * resources (the path's directed links, then its lossless segments and its eta resources). */
struct path_profile {
    double cap;       /* per-flow cap [B/s] */
    uint32_t fpath;   /* interned flow-model path */
    uint8_t state;    /* 0 not computed yet, 1 computed */
    uint8_t lossless; /* the flows cross the path's lossless segments */
};

struct cpn_network {
    struct cpn_engine *eng;
    const struct cpn_topo *topo;
    struct cpn_router *router;
    struct cpn_flownet *flows;
    struct cpn_transport *profiles; /* the profile table, length n_profiles */
    uint32_t n_profiles;
    CPN_ARRAY(struct path_profile) cache; /* [path id * n_profiles + profile] */
    CPN_ARRAY(struct cpn_hop) hops;       /* workspace: the hops of a path */
    CPN_ARRAY(uint32_t) rids;             /* workspace: the resources of a path */
    uint32_t *segment;                    /* per directed link: its lossless segment resource,
                                             or CPN_NONE (no flow control, or never tighter than
                                             the link) */
    double *etas;                         /* distinct eta < 1 of the profiles, ascending */
    uint32_t n_etas;
    uint32_t eta_base;                /* resource of (eta k, dlink d): eta_base + k n + d */
    uint32_t *site_read, *site_write; /* per storage site: its resources, or CPN_NONE */
    uint32_t n_sites;
    double *util_prev; /* per directed link: util integral at the previous sample [s] */
    double t_prev;     /* time of the previous sample [s] */
    size_t n_dlinks;
    /* Changes during the run (cpn_network_set_link): per link, its capacity now [B/s], whether
     * it is up, since when it is down and its down time before that [s]. */
    double *link_capacity, *down_since, *down_time;
    uint8_t *link_up;
    /* Elastic bandwidth (cpn_network_set_elastic, cpn_network_request_bandwidth): per link, its
     * budget [B/s], what is reserved of it [B/s], what is active (added to the capacity) [B/s],
     * the set-up time of its layer [s]; the grants. */
    double *elastic_budget, *elastic_reserved, *elastic_active, *elastic_setup;
    CPN_ARRAY(struct grant) grants;
    /* The wavelength layer (cpn_network_add_span, cpn_network_set_lightpaths): the spans, and
     * per link the spans its lightpaths follow (none: spans NULL). */
    struct cpn_optical *optical;
    struct lightpaths *lp;
};

/* The lightpaths an IP link rides: spans, rate per wavelength, set-up time of one more. */
struct lightpaths {
    uint32_t *spans; /* owned; NULL: the link is not on the wavelength layer */
    uint32_t k;
    double lambda, setup; /* [B/s], [s] */
};

/* A bandwidth grant: @c amount [B/s] asked on every link of a path, active after a set-up
 * time; on a link that rides lightpaths it is whole wavelengths. */
struct grant {
    uint32_t *links; /* link indices (owned), n of them; NULL when released */
    uint32_t n;
    double amount;   /* asked [B/s] */
    double *added;   /* per link: the capacity it adds [B/s] (owned) */
    uint32_t *slots; /* wavelength slots lit, link by link (owned; NULL when none) */
    uint32_t n_slots;
    int active;    /* the capacity is added */
    cpn_evh setup; /* pending activation, or CPN_EVH_NONE */
};

static struct cpn_hop hop_of(const struct cpn_link *l)
{
    return (struct cpn_hop){
        .capacity = l->capacity,
        .latency = l->latency,
        .loss = l->loss,
        .buffer = l->buffer,
        .flowctl = l->flow_control,
        .mtu = (double)l->mtu,
    };
}

/* Index of @p eta in the sorted table, or n_etas. */
static uint32_t eta_index(const struct cpn_network *net, double eta)
{
    for (uint32_t k = 0; k < net->n_etas; k++)
        if (net->etas[k] == eta)
            return k;
    return net->n_etas;
}

int cpn_network_new(struct cpn_engine *eng, const struct cpn_topo *topo, struct cpn_router *router,
                    const struct cpn_network_config *cfg, struct cpn_network **out)
{
    static const struct cpn_network_config none = {0};
    if (!cfg)
        cfg = &none;
    const struct cpn_transport *profiles = cfg->profiles;
    size_t n_profiles = cfg->n_profiles;
    if (!eng || !topo || !router || !out || (!profiles && n_profiles) ||
        (!cfg->sites && cfg->n_sites) || cfg->n_sites >= CPN_NONE)
        return CPN_ERROR(CPN_EINVAL, "cpn_network_new: NULL argument");
    *out = NULL;
    struct cpn_network *net = calloc(1, sizeof *net);
    CPN_ARRAY(double) capacity = {0};
    int rc = CPN_ENOMEM;
    if (!net)
        return CPN_ERROR(CPN_ENOMEM, NULL);
    net->eng = eng;
    net->topo = topo;
    net->router = router;
    if (!profiles) {
        n_profiles = CPN_TRANSPORT_RDMA_LOSSY + 1;
        if (!(net->profiles = calloc(n_profiles, sizeof *net->profiles)))
            goto fail;
        for (size_t k = 0; k < n_profiles; k++)
            cpn_transport_default((enum cpn_transport_kind)k, &net->profiles[k]);
    } else {
        if (n_profiles >= CPN_NONE || !(net->profiles = malloc(n_profiles * sizeof *profiles)))
            goto fail;
        memcpy(net->profiles, profiles, n_profiles * sizeof *profiles);
    }
    net->n_profiles = (uint32_t)n_profiles;
    net->etas = malloc((n_profiles ? n_profiles : 1) * sizeof *net->etas);
    if (!net->etas)
        goto fail;
    for (size_t k = 0; k < n_profiles; k++) { /* distinct eta < 1, ascending (insertion) */
        double e = net->profiles[k].eta;
        if (!(e > 0 && e <= 1)) {
            rc = CPN_ERROR(CPN_EINVAL, "network: profile %zu: eta %g is outside (0, 1]", k, e);
            goto fail;
        }
        if (e == 1 || eta_index(net, e) < net->n_etas)
            continue;
        uint32_t i = net->n_etas++;
        for (; i > 0 && net->etas[i - 1] > e; i--)
            net->etas[i] = net->etas[i - 1];
        net->etas[i] = e;
    }
    uint32_t n_links = cpn_topo_link_count(topo);
    net->n_dlinks = 2 * (size_t)n_links;
    net->util_prev = calloc(net->n_dlinks ? net->n_dlinks : 1, sizeof *net->util_prev);
    net->segment = malloc((net->n_dlinks ? net->n_dlinks : 1) * sizeof *net->segment);
    if (!net->util_prev || !net->segment ||
        cpn_array_reserve(&capacity, net->n_dlinks * (1 + net->n_etas) + 1) != CPN_OK)
        goto fail;
    capacity.len = net->n_dlinks;
    for (uint32_t l = 0; l < n_links; l++) {
        const struct cpn_link *link = cpn_topo_link(topo, l);
        double c = link->up ? link->capacity : 0.0;
        capacity.items[cpn_topo_dlink(l, 0)] = c;
        capacity.items[cpn_topo_dlink(l, 1)] = c;
    }
    /* Lossless segments: one resource per direction of a flow-controlled link whose buffer
     * bounds the lossless flows below the link's capacity (otherwise the link binds first). */
    for (uint32_t l = 0; l < n_links; l++) {
        const struct cpn_link *link = cpn_topo_link(topo, l);
        struct cpn_hop h = hop_of(link);
        double rate = cpn_transport_segment_rate(&h);
        for (unsigned dir = 0; dir < 2; dir++) {
            uint32_t d = cpn_topo_dlink(l, dir);
            net->segment[d] = CPN_NONE;
            if (!(rate < link->capacity))
                continue;
            net->segment[d] = (uint32_t)capacity.len;
            if (cpn_array_push(&capacity, link->up ? rate : 0.0) != CPN_OK)
                goto fail;
        }
    }
    /* The links' state, changed by cpn_network_set_link(). */
    net->link_capacity = malloc((n_links ? n_links : 1) * sizeof *net->link_capacity);
    net->down_since = malloc((n_links ? n_links : 1) * sizeof *net->down_since);
    net->down_time = calloc(n_links ? n_links : 1, sizeof *net->down_time);
    net->link_up = malloc(n_links ? n_links : 1);
    net->elastic_budget = calloc(n_links ? n_links : 1, sizeof *net->elastic_budget);
    net->elastic_reserved = calloc(n_links ? n_links : 1, sizeof *net->elastic_reserved);
    net->elastic_active = calloc(n_links ? n_links : 1, sizeof *net->elastic_active);
    net->elastic_setup = calloc(n_links ? n_links : 1, sizeof *net->elastic_setup);
    net->lp = calloc(n_links ? n_links : 1, sizeof *net->lp);
    if (!net->link_capacity || !net->down_since || !net->down_time || !net->link_up ||
        !net->elastic_budget || !net->elastic_reserved || !net->elastic_active ||
        !net->elastic_setup || !net->lp)
        goto fail;
    for (uint32_t l = 0; l < n_links; l++) {
        const struct cpn_link *link = cpn_topo_link(topo, l);
        net->link_capacity[l] = link->capacity;
        net->link_up[l] = link->up != 0;
        net->down_since[l] = link->up ? NAN : cpn_engine_now(eng);
    }
    /* eta resources: eta x C of every directed link, per distinct eta < 1. */
    net->eta_base = (uint32_t)capacity.len;
    for (uint32_t k = 0; k < net->n_etas; k++)
        for (size_t d = 0; d < net->n_dlinks; d++)
            if (cpn_array_push(&capacity, net->etas[k] * capacity.items[d]) != CPN_OK)
                goto fail;
    /* Storage sites: a resource for the read and one for the write bandwidth of each. */
    net->n_sites = (uint32_t)cfg->n_sites;
    net->site_read = malloc((net->n_sites ? net->n_sites : 1) * sizeof *net->site_read);
    net->site_write = malloc((net->n_sites ? net->n_sites : 1) * sizeof *net->site_write);
    if (!net->site_read || !net->site_write)
        goto fail;
    for (uint32_t k = 0; k < net->n_sites; k++) {
        const struct cpn_storage_bandwidth *b = &cfg->sites[k];
        if (!(b->read >= 0) || !(b->write >= 0)) {
            rc = CPN_ERROR(CPN_EINVAL, "network: storage site %u: negative or NaN bandwidth", k);
            goto fail;
        }
        net->site_read[k] = net->site_write[k] = CPN_NONE;
        if (b->read > 0 && isfinite(b->read)) {
            net->site_read[k] = (uint32_t)capacity.len;
            if (cpn_array_push(&capacity, b->read) != CPN_OK)
                goto fail;
        }
        if (b->write > 0 && isfinite(b->write)) {
            net->site_write[k] = (uint32_t)capacity.len;
            if (cpn_array_push(&capacity, b->write) != CPN_OK)
                goto fail;
        }
    }
    if ((rc = cpn_flownet_new(eng, capacity.len, capacity.items, &net->flows)) != CPN_OK)
        goto fail;
    cpn_array_release(&capacity);
    *out = net;
    return CPN_OK;
fail:
    cpn_array_release(&capacity);
    cpn_network_free(net);
    return rc == CPN_ENOMEM ? CPN_ERROR(CPN_ENOMEM, NULL) : rc;
}

void cpn_network_free(struct cpn_network *net)
{
    if (!net)
        return;
    cpn_flownet_free(net->flows);
    cpn_array_release(&net->cache);
    cpn_array_release(&net->hops);
    cpn_array_release(&net->rids);
    free(net->profiles);
    free(net->etas);
    free(net->segment);
    free(net->site_read);
    free(net->site_write);
    free(net->util_prev);
    free(net->link_capacity);
    free(net->down_since);
    free(net->down_time);
    free(net->link_up);
    free(net->elastic_budget);
    free(net->elastic_reserved);
    free(net->elastic_active);
    free(net->elastic_setup);
    for (size_t i = 0; i < net->grants.len; i++) {
        free(net->grants.items[i].links);
        free(net->grants.items[i].added);
        free(net->grants.items[i].slots);
    }
    cpn_array_release(&net->grants);
    for (size_t l = 0; net->lp && l < cpn_topo_link_count(net->topo); l++)
        free(net->lp[l].spans);
    free(net->lp);
    cpn_optical_free(net->optical);
    free(net);
}

struct cpn_flownet *cpn_network_flows(struct cpn_network *net)
{
    return net->flows;
}

const struct cpn_transport *cpn_network_profile(const struct cpn_network *net, uint32_t profile)
{
    return net && profile < net->n_profiles ? &net->profiles[profile] : NULL;
}

/* Fill the hop workspace from @p path. */
static int path_hops(struct cpn_network *net, const struct cpn_path *path)
{
    if (cpn_array_reserve(&net->hops, path->hops) != CPN_OK)
        return CPN_ERROR(CPN_ENOMEM, NULL);
    for (uint32_t h = 0; h < path->hops; h++)
        net->hops.items[h] = hop_of(cpn_topo_link(net->topo, cpn_topo_dlink_link(path->dlinks[h])));
    return CPN_OK;
}

int cpn_network_path_terms(struct cpn_network *net, const struct cpn_path *path, uint32_t profile,
                           struct cpn_transport_terms *terms)
{
    if (!net || !path || !terms || profile >= net->n_profiles ||
        cpn_route_path(net->router, path->id) != path)
        return CPN_ERROR(CPN_EINVAL, "cpn_network_path_terms: bad argument");
    if (path->hops == 0) {
        *terms =
            (struct cpn_transport_terms){INFINITY, INFINITY, INFINITY, INFINITY, INFINITY, INFINITY,
                                         0,        0,        INFINITY, INFINITY, 0};
        return CPN_OK;
    }
    int rc = path_hops(net, path);
    double cap;
    /* The hops hold half of each end node's equipment delay; the RTT pays the other halves. */
    struct cpn_transport t = net->profiles[profile];
    t.rtt_extra +=
        cpn_topo_node(net->topo, path->src)->delay + cpn_topo_node(net->topo, path->dst)->delay;
    if (rc == CPN_OK)
        rc = cpn_transport_cap(&t, net->hops.items, path->hops, &cap, terms);
    if (rc == CPN_ESCENARIO) {
        size_t i = cpn_transport_lossy_hop(net->hops.items, path->hops);
        const struct cpn_link *l = cpn_topo_link(net->topo, cpn_topo_dlink_link(path->dlinks[i]));
        return CPN_ERROR(
            CPN_ESCENARIO,
            "a lossless transport from \"%s\" to \"%s\" crosses link \"%s\", which has "
            "no flow control (give it flow-control=\"pfc\" or \"credit\", or let the "
            "transport run over lossy hops with lossy-hops=\"go-back-n\")",
            cpn_topo_node(net->topo, path->src)->id, cpn_topo_node(net->topo, path->dst)->id,
            l->id);
    }
    return rc;
}

/* Put the resources of @p path under @p profile in net->rids (its directed links, then its
 * lossless segments when @p lossless, then its eta resources), with room for @p spare more;
 * *n receives their number. */
static int path_resources(struct cpn_network *net, const struct cpn_path *path, uint32_t profile,
                          int lossless, size_t spare, size_t *n)
{
    const struct cpn_transport *t = &net->profiles[profile];
    uint32_t k = t->eta < 1 ? eta_index(net, t->eta) : net->n_etas;
    size_t m = path->hops;
    if (cpn_array_reserve(&net->rids, 3 * m + spare + 1) != CPN_OK)
        return CPN_ERROR(CPN_ENOMEM, NULL);
    if (m) /* (a path without links may have no array: memcpy's source must not be NULL) */
        memcpy(net->rids.items, path->dlinks, m * sizeof *path->dlinks);
    for (uint32_t h = 0; lossless && h < path->hops; h++)
        if (net->segment[path->dlinks[h]] != CPN_NONE)
            net->rids.items[m++] = net->segment[path->dlinks[h]];
    for (uint32_t h = 0; k < net->n_etas && h < path->hops; h++)
        net->rids.items[m++] = net->eta_base + k * (uint32_t)net->n_dlinks + path->dlinks[h];
    *n = m;
    return CPN_OK;
}

/* The cached (cap, interned resource path) of @p path under @p profile. */
static int path_profile(struct cpn_network *net, const struct cpn_path *path, uint32_t profile,
                        const struct path_profile **out)
{
    size_t slot = (size_t)path->id * net->n_profiles + profile;
    if (slot >= net->cache.len) {
        size_t old = net->cache.len;
        if (cpn_array_reserve(&net->cache, slot + 1) != CPN_OK)
            return CPN_ERROR(CPN_ENOMEM, NULL);
        memset(net->cache.items + old, 0, (net->cache.cap - old) * sizeof *net->cache.items);
        net->cache.len = net->cache.cap;
    }
    struct path_profile *pp = &net->cache.items[slot];
    if (!pp->state) {
        struct cpn_transport_terms x;
        int rc = cpn_network_path_terms(net, path, profile, &x);
        if (rc != CPN_OK)
            return rc;
        size_t n;
        if ((rc = path_resources(net, path, profile, x.lossless, 2, &n)) != CPN_OK)
            return rc;
        if ((rc = cpn_flownet_path(net->flows, net->rids.items, n, &pp->fpath)) != CPN_OK)
            return rc;
        pp->cap = path->hops == 0 ? INFINITY : x.cap;
        pp->lossless = (uint8_t)x.lossless;
        pp->state = 1;
    }
    *out = pp;
    return CPN_OK;
}

void cpn_network_prefetch(const struct cpn_network *net, const struct cpn_path *path,
                          uint32_t profile)
{
    if (!net || !path || profile >= net->n_profiles)
        return;
    size_t slot = (size_t)path->id * net->n_profiles + profile;
    if (slot < net->cache.len)
        __builtin_prefetch(&net->cache.items[slot]);
}

int cpn_network_cap(struct cpn_network *net, const struct cpn_path *path, uint32_t profile,
                    double *cap)
{
    if (!net || !path || !cap || profile >= net->n_profiles ||
        cpn_route_path(net->router, path->id) != path)
        return CPN_ERROR(CPN_EINVAL, "cpn_network_cap: bad argument");
    const struct path_profile *pp;
    int rc = path_profile(net, path, profile, &pp);
    if (rc == CPN_OK)
        *cap = pp->cap;
    return rc;
}

static int resolve_path(struct cpn_network *net, const struct cpn_transfer *t,
                        const struct cpn_path **path)
{
    uint32_t n = cpn_topo_node_count(net->topo);
    if (t->src >= n || t->dst >= n)
        return CPN_ERROR(CPN_EINVAL, "transfer: unknown node index");
    if (t->path) {
        if (t->path->src != t->src || t->path->dst != t->dst)
            return CPN_ERROR(
                CPN_EINVAL, "transfer: the explicit path does not join \"%s\" to \"%s\"",
                cpn_topo_node(net->topo, t->src)->id, cpn_topo_node(net->topo, t->dst)->id);
        *path = t->path;
        return CPN_OK;
    }
    return cpn_route_shortest(net->router, t->src, t->dst, path);
}

static int start_on_path(struct cpn_network *net, const struct cpn_transfer *t,
                         const struct cpn_path *path, double size, cpn_flowh *out)
{
    if (t->profile >= net->n_profiles)
        return CPN_ERROR(CPN_EINVAL, "transfer: profile %u unknown (%u profiles)", t->profile,
                         net->n_profiles);
    const struct path_profile *pp;
    int rc = path_profile(net, path, t->profile, &pp);
    if (rc != CPN_OK)
        return rc;
    struct cpn_flow_spec spec = {
        .src = t->src,
        .dst = t->dst,
        .size = size,
        .latency = path->latency,
        .weight = t->weight,
        .cap = t->cap > 0 ? fmin(pp->cap, t->cap) : pp->cap,
        .done = t->done,
        .ctx = t->ctx,
        .id = t->id,
        .tag = (uint16_t)t->profile, /* for a reroute (cpn_network_reroute) */
    };
    uint32_t fpath = pp->fpath;
    uint32_t extra[2], n_extra = 0;
    if (t->src_site != CPN_NONE && t->src_site < net->n_sites &&
        net->site_read[t->src_site] != CPN_NONE)
        extra[n_extra++] = net->site_read[t->src_site];
    if (t->dst_site != CPN_NONE && t->dst_site < net->n_sites &&
        net->site_write[t->dst_site] != CPN_NONE)
        extra[n_extra++] = net->site_write[t->dst_site];
    if (n_extra) { /* the storage bandwidths join the path's resources */
        size_t n;
        if ((rc = path_resources(net, path, t->profile, pp->lossless, n_extra, &n)) != CPN_OK)
            return rc;
        memcpy(net->rids.items + n, extra, n_extra * sizeof *extra);
        if ((rc = cpn_flownet_path(net->flows, net->rids.items, n + n_extra, &fpath)) != CPN_OK)
            return rc;
    } else if (path->hops == 0 && isinf(spec.cap)) {
        spec.cap = 1e300; /* src == dst: nothing to cross; the flow completes when it joins */
    }
    return cpn_flow_start_path(net->flows, fpath, &spec, out);
}

int cpn_network_transfer(struct cpn_network *net, const struct cpn_transfer *t, cpn_flowh *out)
{
    if (!net || !t)
        return CPN_ERROR(CPN_EINVAL, "cpn_network_transfer: NULL argument");
    const struct cpn_path *path;
    int rc = resolve_path(net, t, &path);
    if (rc != CPN_OK)
        return rc;
    return start_on_path(net, t, path, t->size, out);
}

int cpn_network_transfer_split(struct cpn_network *net, const struct cpn_transfer *t,
                               const struct cpn_path *const *paths, uint32_t n, const double *ratio,
                               cpn_flowh *flows, uint32_t *n_started)
{
    if (!net || !t || !n_started || (!paths && n))
        return CPN_ERROR(CPN_EINVAL, "cpn_network_transfer_split: NULL argument");
    if (n < 1 || n > CPN_NETWORK_MAX_PATHS)
        return CPN_ERROR(CPN_ERANGE, "split transfer: %u paths (use 1 to %d)", n,
                         CPN_NETWORK_MAX_PATHS);
    *n_started = 0;
    for (uint32_t i = 0; i < n; i++)
        if (!paths[i] || paths[i]->src != t->src || paths[i]->dst != t->dst)
            return CPN_ERROR(CPN_EINVAL, "split transfer: path %u does not join \"%s\" to \"%s\"",
                             i, cpn_topo_node(net->topo, t->src)->id,
                             cpn_topo_node(net->topo, t->dst)->id);
    double share[CPN_NETWORK_MAX_PATHS], parts[CPN_NETWORK_MAX_PATHS];
    int rc;
    for (uint32_t i = 0; i < n; i++) {
        if (ratio) {
            share[i] = ratio[i];
        } else if (paths[i]->hops == 0) {
            share[i] = 1.0;
        } else if ((rc = cpn_flownet_path_offer(net->flows, paths[i]->dlinks, paths[i]->hops,
                                                &share[i])) != CPN_OK) {
            return rc;
        }
    }
    if ((rc = cpn_flow_split(t->size, n, share, parts)) != CPN_OK)
        return rc;
    if (flows)
        for (uint32_t i = 0; i < n; i++)
            flows[i] = CPN_FLOWH_NONE;
    for (uint32_t i = 0; i < n; i++) {
        if (parts[i] <= 0.0 && !(i == n - 1 && *n_started == 0))
            continue;
        if ((rc = start_on_path(net, t, paths[i], parts[i], flows ? &flows[i] : NULL)) != CPN_OK)
            return rc;
        (*n_started)++;
    }
    return CPN_OK;
}

int cpn_network_transfer_multipath(struct cpn_network *net, const struct cpn_transfer *t,
                                   uint32_t k, const double *ratio, cpn_flowh *flows,
                                   uint32_t *n_started)
{
    if (!net || !t || !n_started)
        return CPN_ERROR(CPN_EINVAL, "cpn_network_transfer_multipath: NULL argument");
    if (k < 1 || k > CPN_NETWORK_MAX_PATHS)
        return CPN_ERROR(CPN_ERANGE, "multipath transfer: %u paths asked (use 1 to %d)", k,
                         CPN_NETWORK_MAX_PATHS);
    *n_started = 0;
    const struct cpn_path *const *paths;
    uint32_t n;
    int rc = cpn_route_k_shortest(net->router, t->src, t->dst, k, &paths, &n);
    if (rc != CPN_OK)
        return rc;
    if (flows)
        for (uint32_t i = n; i < k; i++)
            flows[i] = CPN_FLOWH_NONE;
    return cpn_network_transfer_split(net, t, paths, n, ratio, flows, n_started);
}

/* The rate transfer @p t would get alone on @p path [B/s]: its per-flow cap against the capacity
 * of every resource it crosses (links, lossless segments, eta limits, storage sites). */
static int solo_rate(struct cpn_network *net, const struct cpn_transfer *t,
                     const struct cpn_path *path, double *rate)
{
    const struct path_profile *pp;
    int rc = path_profile(net, path, t->profile, &pp);
    if (rc != CPN_OK)
        return rc;
    struct cpn_transport_terms x;
    size_t n;
    if ((rc = cpn_network_path_terms(net, path, t->profile, &x)) != CPN_OK ||
        (rc = path_resources(net, path, t->profile, x.lossless, 2, &n)) != CPN_OK)
        return rc;
    if (t->src_site != CPN_NONE && t->src_site < net->n_sites &&
        net->site_read[t->src_site] != CPN_NONE)
        net->rids.items[n++] = net->site_read[t->src_site];
    if (t->dst_site != CPN_NONE && t->dst_site < net->n_sites &&
        net->site_write[t->dst_site] != CPN_NONE)
        net->rids.items[n++] = net->site_write[t->dst_site];
    double r = t->cap > 0 ? fmin(pp->cap, t->cap) : pp->cap;
    for (size_t i = 0; i < n; i++) {
        struct cpn_flow_usage u;
        if ((rc = cpn_flownet_usage(net->flows, net->rids.items[i], &u)) != CPN_OK)
            return rc;
        r = fmin(r, u.capacity);
    }
    *rate = r;
    return CPN_OK;
}

/* The time transfer @p t takes alone on its path (or the shortest): latency + size / solo rate. */
static int ideal_one(struct cpn_network *net, const struct cpn_transfer *t, double *time)
{
    const struct cpn_path *p;
    int rc = resolve_path(net, t, &p);
    if (rc != CPN_OK)
        return rc;
    if (p->hops == 0 && t->src_site == CPN_NONE && t->dst_site == CPN_NONE) {
        *time = 0; /* nothing to cross */
        return CPN_OK;
    }
    double r;
    if ((rc = solo_rate(net, t, p, &r)) != CPN_OK)
        return rc;
    *time = p->latency + (r > 0 ? t->size / r : INFINITY);
    return CPN_OK;
}

/* The least time of transfers @p t started together (cpn_network_ideal_time_set()). */
static int ideal_parts(struct cpn_network *net, const struct cpn_transfer *t, size_t n,
                       double *time)
{
    /* Bytes per resource crossed, summed over the transfers (a short list: n x hops). */
    struct load {
        uint32_t rid;
        double bytes, capacity;
    };
    CPN_ARRAY(struct load) loads = {0};
    double solo_max = 0, latency_min = INFINITY;
    int rc = CPN_OK;
    for (size_t i = 0; i < n && rc == CPN_OK; i++) {
        double solo;
        if ((rc = ideal_one(net, &t[i], &solo)) != CPN_OK || solo == 0)
            continue;
        solo_max = fmax(solo_max, solo);
        const struct cpn_path *path;
        struct cpn_transport_terms x;
        size_t m;
        if ((rc = resolve_path(net, &t[i], &path)) != CPN_OK ||
            (rc = cpn_network_path_terms(net, path, t[i].profile, &x)) != CPN_OK ||
            (rc = path_resources(net, path, t[i].profile, x.lossless, 2, &m)) != CPN_OK)
            break;
        latency_min = fmin(latency_min, path->latency);
        if (t[i].src_site != CPN_NONE && t[i].src_site < net->n_sites &&
            net->site_read[t[i].src_site] != CPN_NONE)
            net->rids.items[m++] = net->site_read[t[i].src_site];
        if (t[i].dst_site != CPN_NONE && t[i].dst_site < net->n_sites &&
            net->site_write[t[i].dst_site] != CPN_NONE)
            net->rids.items[m++] = net->site_write[t[i].dst_site];
        for (size_t h = 0; h < m && rc == CPN_OK; h++) {
            uint32_t rid = net->rids.items[h];
            size_t k = 0;
            while (k < loads.len && loads.items[k].rid != rid)
                k++;
            if (k == loads.len) {
                struct cpn_flow_usage u;
                if ((rc = cpn_flownet_usage(net->flows, rid, &u)) != CPN_OK)
                    break;
                struct load l = {rid, 0, u.capacity};
                if (cpn_array_push(&loads, l) != CPN_OK) {
                    rc = CPN_ERROR(CPN_ENOMEM, NULL);
                    break;
                }
            }
            loads.items[k].bytes += t[i].size;
        }
    }
    double shared = 0; /* the busiest resource's bytes over its capacity */
    for (size_t k = 0; k < loads.len; k++)
        shared = fmax(shared, loads.items[k].capacity > 0
                                  ? loads.items[k].bytes / loads.items[k].capacity
                                  : INFINITY);
    cpn_array_release(&loads);
    if (rc != CPN_OK)
        return rc;
    *time = fmax(solo_max, isfinite(latency_min) ? latency_min + shared : 0);
    return CPN_OK;
}

int cpn_network_ideal_time(struct cpn_network *net, const struct cpn_transfer *t, uint32_t k,
                           double *time)
{
    if (!net || !t || !time)
        return CPN_ERROR(CPN_EINVAL, "cpn_network_ideal_time: NULL argument");
    if (k < 1 || k > CPN_NETWORK_MAX_PATHS)
        return CPN_ERROR(CPN_ERANGE, "ideal transfer time: %u paths (use 1 to %d)", k,
                         CPN_NETWORK_MAX_PATHS);
    if (t->profile >= net->n_profiles)
        return CPN_ERROR(CPN_EINVAL, "ideal transfer time: profile %u unknown (%u profiles)",
                         t->profile, net->n_profiles);
    if (k == 1)
        return ideal_one(net, t, time);
    /* Over k paths: the parts split in proportion to the paths' rates alone (what
     * cpn_network_transfer_multipath() does on an empty network), started together. */
    const struct cpn_path *const *paths;
    uint32_t n;
    int rc = cpn_route_k_shortest(net->router, t->src, t->dst, k, &paths, &n);
    if (rc != CPN_OK)
        return rc;
    double share[CPN_NETWORK_MAX_PATHS], size[CPN_NETWORK_MAX_PATHS];
    struct cpn_transfer part[CPN_NETWORK_MAX_PATHS];
    for (uint32_t i = 0; i < n; i++) {
        share[i] = 1.0;
        if (paths[i]->hops > 0 && (rc = solo_rate(net, t, paths[i], &share[i])) != CPN_OK)
            return rc;
        if (!isfinite(share[i]))
            share[i] = 1e300;
    }
    if ((rc = cpn_flow_split(t->size, n, share, size)) != CPN_OK)
        return rc;
    for (uint32_t i = 0; i < n; i++) {
        part[i] = *t;
        part[i].path = paths[i];
        part[i].size = size[i];
    }
    return ideal_parts(net, part, n, time);
}

int cpn_network_ideal_time_set(struct cpn_network *net, const struct cpn_transfer *t, size_t n,
                               double *time)
{
    if (!net || (!t && n) || !time)
        return CPN_ERROR(CPN_EINVAL, "cpn_network_ideal_time_set: NULL argument");
    for (size_t i = 0; i < n; i++)
        if (t[i].profile >= net->n_profiles)
            return CPN_ERROR(CPN_EINVAL, "ideal transfer time: profile %u unknown (%u profiles)",
                             t[i].profile, net->n_profiles);
    return ideal_parts(net, t, n, time);
}

int cpn_network_sample(struct cpn_network *net, float *util, size_t n)
{
    if (!net || (!util && n) || n != net->n_dlinks)
        return CPN_ERROR(CPN_EINVAL, "cpn_network_sample: expected %zu values, got %zu",
                         net ? net->n_dlinks : 0, n);
    double now = cpn_engine_now(net->eng);
    double dt = now - net->t_prev;
    for (size_t d = 0; d < n; d++) {
        struct cpn_flow_usage u;
        int rc = cpn_flownet_usage(net->flows, (uint32_t)d, &u);
        if (rc != CPN_OK)
            return rc;
        util[d] = dt > 0 ? (float)((u.util - net->util_prev[d]) / dt) : 0.0f;
        net->util_prev[d] = u.util;
    }
    net->t_prev = now;
    return CPN_OK;
}

int cpn_network_totals(struct cpn_network *net, double *link_util, double *link_bytes,
                       double *mean_util)
{
    double now = cpn_engine_now(net->eng), bytes = 0, util = 0;
    for (size_t d = 0; d < net->n_dlinks; d++) {
        struct cpn_flow_usage u;
        int rc = cpn_flownet_usage(net->flows, (uint32_t)d, &u);
        if (rc != CPN_OK)
            return rc;
        double ud = now > 0 ? u.util / now : 0.0;
        if (link_util)
            link_util[d] = ud;
        bytes += u.bytes;
        util += ud;
    }
    if (link_bytes)
        *link_bytes = bytes;
    if (mean_util)
        *mean_util = net->n_dlinks ? util / (double)net->n_dlinks : 0.0;
    return CPN_OK;
}

size_t cpn_network_dlinks(const struct cpn_network *net)
{
    return net->n_dlinks;
}

/* Give link @p link's resources the capacity it has now: its base capacity plus the elastic
 * bandwidth active on it when up, 0 when down. */
static int apply_link(struct cpn_network *net, uint32_t link)
{
    const struct cpn_link *l = cpn_topo_link(net->topo, link);
    struct cpn_hop h = hop_of(l);
    double segment = cpn_transport_segment_rate(&h);
    int up = net->link_up[link];
    double c = up ? net->link_capacity[link] + net->elastic_active[link] : 0.0;
    for (unsigned dir = 0; dir < 2; dir++) {
        uint32_t d = cpn_topo_dlink(link, dir);
        int rc = cpn_flownet_set_capacity(net->flows, d, c);
        if (rc == CPN_OK && net->segment[d] != CPN_NONE)
            rc = cpn_flownet_set_capacity(net->flows, net->segment[d], up ? segment : 0.0);
        for (uint32_t k = 0; rc == CPN_OK && k < net->n_etas; k++)
            rc = cpn_flownet_set_capacity(
                net->flows, net->eta_base + k * (uint32_t)net->n_dlinks + d, net->etas[k] * c);
        if (rc != CPN_OK)
            return rc;
    }
    return CPN_OK;
}

int cpn_network_set_link(struct cpn_network *net, uint32_t link, double capacity, int up)
{
    if (!net || link >= cpn_topo_link_count(net->topo))
        return CPN_ERROR(CPN_EINVAL, "cpn_network_set_link: no link %u", link);
    if (!(capacity > 0) || !isfinite(capacity))
        return CPN_ERROR(CPN_EINVAL, "link \"%s\": capacity %g B/s (need finite > 0)",
                         cpn_topo_link(net->topo, link)->id, capacity);
    double now = cpn_engine_now(net->eng);
    if (net->link_up[link] && !up)
        net->down_since[link] = now;
    else if (!net->link_up[link] && up) {
        net->down_time[link] += now - net->down_since[link];
        net->down_since[link] = NAN;
    }
    net->link_up[link] = up != 0;
    net->link_capacity[link] = capacity;
    return apply_link(net, link);
}

int cpn_network_set_elastic(struct cpn_network *net, uint32_t link, double budget, double setup)
{
    if (!net || link >= cpn_topo_link_count(net->topo))
        return CPN_ERROR(CPN_EINVAL, "cpn_network_set_elastic: no link %u", link);
    if (!(budget >= 0) || !isfinite(budget) || !(setup >= 0) || !isfinite(setup))
        return CPN_ERROR(CPN_EINVAL,
                         "link \"%s\": elastic budget %g B/s, set-up %g s (need "
                         "finite >= 0)",
                         cpn_topo_link(net->topo, link)->id, budget, setup);
    net->elastic_budget[link] = budget;
    net->elastic_setup[link] = setup;
    return CPN_OK;
}

static int on_grant_setup(struct cpn_engine *eng, void *ctx, uint64_t arg);
static const struct cpn_handler grant_handler = {on_grant_setup, "bandwidth_setup", 0};

/* A grant's set-up time is over: its bandwidth joins its links. */
static int on_grant_setup(struct cpn_engine *eng, void *ctx, uint64_t arg)
{
    (void)eng;
    struct cpn_network *net = ctx;
    struct grant *g = &net->grants.items[arg];
    g->setup = CPN_EVH_NONE;
    g->active = 1;
    int rc = CPN_OK;
    for (uint32_t i = 0; i < g->n && rc == CPN_OK; i++) {
        net->elastic_active[g->links[i]] += g->added[i];
        rc = apply_link(net, g->links[i]);
    }
    return rc;
}

int cpn_network_add_span(struct cpn_network *net, uint32_t wavelengths, uint32_t *index)
{
    if (!net)
        return CPN_ERROR(CPN_EINVAL, "cpn_network_add_span: NULL network");
    if (!net->optical && !(net->optical = cpn_optical_new()))
        return CPN_ERROR(CPN_ENOMEM, NULL);
    return cpn_optical_add_span(net->optical, wavelengths, index);
}

/* Whole wavelengths of @p lambda that carry @p rate (a rate within 1e-9 of a multiple counts
 * as that multiple). */
static uint32_t wavelengths_for(double rate, double lambda)
{
    double n = ceil(rate / lambda * (1 - 1e-9));
    return n < 1 ? 1 : n > UINT32_MAX ? UINT32_MAX : (uint32_t)n;
}

int cpn_network_set_lightpaths(struct cpn_network *net, uint32_t link, const uint32_t *spans,
                               uint32_t k, double lambda, double setup)
{
    if (!net || link >= cpn_topo_link_count(net->topo) || !spans || k == 0 || !net->optical)
        return CPN_ERROR(CPN_EINVAL, "cpn_network_set_lightpaths: bad argument");
    const struct cpn_link *l = cpn_topo_link(net->topo, link);
    if (!(lambda > 0) || !isfinite(lambda) || !(setup >= 0) || !isfinite(setup))
        return CPN_ERROR(CPN_EINVAL,
                         "link \"%s\": wavelength rate %g B/s, set-up %g s (need "
                         "finite, rate > 0, set-up >= 0)",
                         l->id, lambda, setup);
    if (net->lp[link].spans)
        return CPN_ERROR(CPN_EINVAL, "link \"%s\": its lightpaths are already set", l->id);
    uint32_t n = (uint32_t)llround(l->capacity / lambda);
    if (n < 1 || fabs(n * lambda - l->capacity) > 1e-9 * l->capacity)
        return CPN_ERROR(CPN_ESCENARIO,
                         "link \"%s\": capacity %.6g Gbit/s is not a whole number of %.6g Gbit/s "
                         "wavelengths",
                         l->id, l->capacity * 8 / 1e9, lambda * 8 / 1e9);
    uint32_t *own = malloc(k * sizeof *own), *slots = malloc(n * sizeof *slots);
    if (!own || !slots) {
        free(own);
        free(slots);
        return CPN_ERROR(CPN_ENOMEM, NULL);
    }
    memcpy(own, spans, k * sizeof *own);
    int granted = 0;
    int rc = cpn_optical_light(net->optical, own, k, n, slots, &granted);
    free(slots);
    if (rc == CPN_OK && !granted)
        rc = CPN_ERROR(CPN_ESCENARIO,
                       "link \"%s\": its %u wavelengths do not fit on its spans (first fit "
                       "with wavelength continuity found fewer common free slots)",
                       l->id, n);
    if (rc != CPN_OK) {
        free(own);
        return rc;
    }
    net->lp[link] = (struct lightpaths){own, k, lambda, setup};
    return CPN_OK;
}

uint32_t cpn_network_grant_wavelengths(const struct cpn_network *net, uint32_t grant)
{
    return net && grant < net->grants.len ? net->grants.items[grant].n_slots : 0;
}

int cpn_network_span_state(const struct cpn_network *net, uint32_t span, uint32_t *total,
                           uint32_t *used, uint32_t *peak)
{
    if (!net || !net->optical)
        return CPN_ERROR(CPN_EINVAL, "cpn_network_span_state: no span %u", span);
    return cpn_optical_span_state(net->optical, span, total, used, peak);
}

int cpn_network_link_spans(const struct cpn_network *net, uint32_t link, const uint32_t **spans,
                           uint32_t *k)
{
    if (!net || link >= cpn_topo_link_count(net->topo) || !spans || !k)
        return CPN_ERROR(CPN_EINVAL, "cpn_network_link_spans: bad argument");
    *spans = net->lp[link].spans;
    *k = net->lp[link].spans ? net->lp[link].k : 0;
    return CPN_OK;
}

/* Give back the wavelengths of grant @p g lit on its first @p upto links. */
static int darken_grant(struct cpn_network *net, struct grant *g, uint32_t upto)
{
    uint32_t at = 0;
    int rc = CPN_OK;
    for (uint32_t i = 0; i < upto && rc == CPN_OK; i++) {
        const struct lightpaths *lp = &net->lp[g->links[i]];
        if (!lp->spans)
            continue;
        uint32_t n = wavelengths_for(g->added[i], lp->lambda);
        rc = cpn_optical_darken(net->optical, lp->spans, lp->k, n, g->slots + at);
        at += n;
    }
    return rc;
}

int cpn_network_request_bandwidth(struct cpn_network *net, const struct cpn_path *path,
                                  double amount, uint32_t *grant, double *setup)
{
    if (!net || !path || !grant || !(amount > 0) || !isfinite(amount))
        return CPN_ERROR(CPN_EINVAL, "cpn_network_request_bandwidth: bad argument");
    *grant = CPN_NONE;
    if (path->hops == 0)
        return CPN_OK;
    /* The links of the path, once each; a budget link must have the amount left. */
    double t = 0;
    uint32_t n_slots = 0;
    struct grant g = {malloc(path->hops * sizeof *g.links),
                      0,
                      amount,
                      malloc(path->hops * sizeof *g.added),
                      NULL,
                      0,
                      0,
                      CPN_EVH_NONE};
    if (!g.links || !g.added) {
        free(g.links);
        free(g.added);
        return CPN_ERROR(CPN_ENOMEM, NULL);
    }
    for (uint32_t h = 0; h < path->hops; h++) {
        uint32_t l = path->dlinks[h] / 2, seen = 0; /* d = 2 l + dir (models/net/topology.h) */
        for (uint32_t k = 0; k < g.n; k++)
            seen |= g.links[k] == l;
        if (seen)
            continue;
        const struct lightpaths *lp = &net->lp[l];
        if (lp->spans) {
            uint32_t n = wavelengths_for(amount, lp->lambda);
            g.added[g.n] = n * lp->lambda;
            n_slots += n;
            t = fmax(t, lp->setup);
        } else if (net->elastic_budget[l] - net->elastic_reserved[l] < amount * (1 - 1e-12)) {
            n_slots = UINT32_MAX; /* refused: a link of the path has not that much left */
            break;
        } else {
            g.added[g.n] = amount;
            t = fmax(t, net->elastic_setup[l]);
        }
        g.links[g.n++] = l;
    }
    int rc = CPN_OK;
    if (n_slots != UINT32_MAX && n_slots > 0 && !(g.slots = malloc(n_slots * sizeof *g.slots)))
        rc = CPN_ERROR(CPN_ENOMEM, NULL);
    /* Light the wavelengths link by link; a link without enough common free slots refuses the
     * whole request, and the links lit before it go dark again. */
    uint32_t at = 0;
    for (uint32_t i = 0; rc == CPN_OK && n_slots != UINT32_MAX && i < g.n; i++) {
        const struct lightpaths *lp = &net->lp[g.links[i]];
        if (!lp->spans)
            continue;
        uint32_t n = wavelengths_for(amount, lp->lambda);
        int ok = 0;
        rc = cpn_optical_light(net->optical, lp->spans, lp->k, n, g.slots + at, &ok);
        if (rc == CPN_OK && !ok) {
            rc = darken_grant(net, &g, i);
            n_slots = UINT32_MAX;
        }
        at += n;
    }
    if (rc == CPN_OK && n_slots != UINT32_MAX &&
        cpn_array_reserve(&net->grants, net->grants.len + 1) != CPN_OK) {
        darken_grant(net, &g, g.n);
        rc = CPN_ERROR(CPN_ENOMEM, NULL);
    }
    if (rc != CPN_OK || n_slots == UINT32_MAX) {
        free(g.links);
        free(g.added);
        free(g.slots);
        return rc;
    }
    g.n_slots = n_slots;
    for (uint32_t i = 0; i < g.n; i++)
        if (!net->lp[g.links[i]].spans)
            net->elastic_reserved[g.links[i]] += amount;
    uint32_t id = (uint32_t)net->grants.len;
    net->grants.items[net->grants.len++] = g;
    rc = cpn_engine_schedule_in(net->eng, t, &grant_handler, net, id, &net->grants.items[id].setup);
    if (rc != CPN_OK)
        return rc;
    *grant = id;
    if (setup)
        *setup = t;
    return CPN_OK;
}

int cpn_network_release_bandwidth(struct cpn_network *net, uint32_t grant)
{
    if (!net || grant >= net->grants.len || !net->grants.items[grant].links)
        return CPN_ERROR(CPN_EINVAL, "cpn_network_release_bandwidth: no grant %u", grant);
    struct grant *g = &net->grants.items[grant];
    int rc = CPN_OK;
    if (g->setup != CPN_EVH_NONE) { /* not set up yet: cancel it */
        rc = cpn_engine_cancel(net->eng, g->setup);
        g->setup = CPN_EVH_NONE;
    }
    if (rc == CPN_OK)
        rc = darken_grant(net, g, g->n);
    for (uint32_t i = 0; i < g->n && rc == CPN_OK; i++) {
        uint32_t l = g->links[i];
        if (!net->lp[l].spans)
            net->elastic_reserved[l] -= g->amount;
        if (g->active) {
            net->elastic_active[l] -= g->added[i];
            rc = apply_link(net, l);
        }
    }
    free(g->links);
    free(g->added);
    free(g->slots);
    g->links = NULL;
    g->added = NULL;
    g->slots = NULL;
    return rc;
}

int cpn_network_link_state(const struct cpn_network *net, uint32_t link, double *capacity, int *up,
                           double *down_time)
{
    if (!net || link >= cpn_topo_link_count(net->topo))
        return CPN_ERROR(CPN_EINVAL, "cpn_network_link_state: no link %u", link);
    if (capacity)
        *capacity = net->link_capacity[link];
    if (up)
        *up = net->link_up[link];
    if (down_time)
        *down_time = net->down_time[link] +
                     (net->link_up[link] ? 0 : cpn_engine_now(net->eng) - net->down_since[link]);
    return CPN_OK;
}

const struct cpn_topo *cpn_network_topology(const struct cpn_network *net)
{
    return net->topo;
}

/* Whether resource @p rid is a storage site's (it travels with a rerouted flow). */
static int is_site_resource(const struct cpn_network *net, uint32_t rid)
{
    for (uint32_t k = 0; k < net->n_sites; k++)
        if (net->site_read[k] == rid || net->site_write[k] == rid)
            return 1;
    return 0;
}

int cpn_network_reroute(struct cpn_network *net, uint32_t link, size_t *moved, size_t *stalled)
{
    if (!net || link >= cpn_topo_link_count(net->topo))
        return CPN_ERROR(CPN_EINVAL, "cpn_network_reroute: no link %u", link);
    size_t m = 0, s = 0;
    int rc = CPN_OK;
    for (unsigned dir = 0; dir < 2 && rc == CPN_OK; dir++) {
        uint32_t d = cpn_topo_dlink(link, dir);
        size_t n = 0;
        if ((rc = cpn_flownet_flows_on(net->flows, d, NULL, 0, &n)) != CPN_OK || n == 0)
            continue;
        cpn_flowh *h = malloc(n * sizeof *h);
        if (!h)
            return CPN_ERROR(CPN_ENOMEM, NULL);
        rc = cpn_flownet_flows_on(net->flows, d, h, n, &n);
        for (size_t i = 0; i < n && rc == CPN_OK; i++) {
            struct cpn_flow_info fi;
            const struct cpn_path *path;
            if ((rc = cpn_flow_info(net->flows, h[i], &fi)) != CPN_OK)
                break;
            rc = cpn_route_shortest(net->router, fi.src, fi.dst, &path);
            if (rc == CPN_EUNREACH) { /* no route left: it stays, stalled, until the link is up */
                s++;
                rc = CPN_OK;
                continue;
            }
            const struct path_profile *pp;
            struct cpn_transport_terms x;
            size_t k;
            if (rc != CPN_OK || (rc = path_profile(net, path, fi.tag, &pp)) != CPN_OK ||
                (rc = cpn_network_path_terms(net, path, fi.tag, &x)) != CPN_OK ||
                (rc = path_resources(net, path, fi.tag, x.lossless, 2, &k)) != CPN_OK)
                break;
            uint32_t nh;
            const uint32_t *old = cpn_flownet_path_hops(net->flows, fi.path, &nh);
            for (uint32_t j = 0; j < nh && k < net->rids.cap; j++)
                if (is_site_resource(net, old[j]))
                    net->rids.items[k++] = old[j];
            uint32_t fpath;
            if ((rc = cpn_flownet_path(net->flows, net->rids.items, k, &fpath)) != CPN_OK)
                break;
            /* Assumption: never faster per flow than before (a consumer's cap is kept). */
            rc = cpn_flow_move(net->flows, h[i], fpath, fmin(pp->cap, fi.cap));
            m += rc == CPN_OK;
        }
        free(h);
    }
    if (moved)
        *moved = m;
    if (stalled)
        *stalled = s;
    return rc;
}
