/* The network glue: topology + routes + transport caps + fluid flows (see network.h). */
#include "models/net/network.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "sim/array.h"
#include "sim/engine.h"
#include "sim/error.h"

#define N_PROFILES 4

struct cpn_network {
    struct cpn_engine *eng;
    const struct cpn_topo *topo;
    struct cpn_router *router;
    struct cpn_flownet *flows;
    struct cpn_transport profiles[N_PROFILES];
    CPN_ARRAY(double) caps;         /* [path id * N_PROFILES + profile]: cap [B/s], NaN = unknown */
    CPN_ARRAY(struct cpn_hop) hops; /* workspace for cap computation */
    double *util_prev; /* per directed link: util integral at the previous sample [s] */
    double t_prev;     /* time of the previous sample [s] */
    size_t n_dlinks;
};

int cpn_network_new(struct cpn_engine *eng, const struct cpn_topo *topo, struct cpn_router *router,
                    struct cpn_network **out)
{
    if (!eng || !topo || !router || !out)
        return CPN_ERROR(CPN_EINVAL, "cpn_network_new: NULL argument");
    *out = NULL;
    struct cpn_network *net = calloc(1, sizeof *net);
    double *capacity = NULL;
    int rc = CPN_ENOMEM;
    if (!net)
        return CPN_ERROR(CPN_ENOMEM, NULL);
    net->eng = eng;
    net->topo = topo;
    net->router = router;
    uint32_t n_links = cpn_topo_link_count(topo);
    net->n_dlinks = 2 * (size_t)n_links;
    capacity = malloc((net->n_dlinks ? net->n_dlinks : 1) * sizeof *capacity);
    net->util_prev = calloc(net->n_dlinks ? net->n_dlinks : 1, sizeof *net->util_prev);
    if (!capacity || !net->util_prev)
        goto fail;
    for (uint32_t l = 0; l < n_links; l++) {
        const struct cpn_link *link = cpn_topo_link(topo, l);
        double c = link->up ? link->capacity : 0.0;
        capacity[cpn_topo_dlink(l, 0)] = c;
        capacity[cpn_topo_dlink(l, 1)] = c;
    }
    if ((rc = cpn_flownet_new(eng, net->n_dlinks, capacity, &net->flows)) != CPN_OK)
        goto fail;
    for (int k = 0; k < N_PROFILES; k++)
        cpn_transport_default((enum cpn_transport_kind)k, &net->profiles[k]);
    free(capacity);
    *out = net;
    return CPN_OK;
fail:
    free(capacity);
    cpn_network_free(net);
    return rc == CPN_ENOMEM ? CPN_ERROR(CPN_ENOMEM, NULL) : rc;
}

void cpn_network_free(struct cpn_network *net)
{
    if (!net)
        return;
    cpn_flownet_free(net->flows);
    cpn_array_release(&net->caps);
    cpn_array_release(&net->hops);
    free(net->util_prev);
    free(net);
}

struct cpn_flownet *cpn_network_flows(struct cpn_network *net)
{
    return net->flows;
}

int cpn_network_set_profile(struct cpn_network *net, const struct cpn_transport *profile)
{
    if (!net || !profile || (int)profile->kind < 0 || (int)profile->kind >= N_PROFILES)
        return CPN_ERROR(CPN_EINVAL, "cpn_network_set_profile: NULL argument or unknown kind");
    net->profiles[profile->kind] = *profile;
    for (size_t i = (size_t)profile->kind; i < net->caps.len; i += N_PROFILES)
        net->caps.items[i] = NAN; /* recompute lazily */
    return CPN_OK;
}

int cpn_network_cap(struct cpn_network *net, const struct cpn_path *path,
                    enum cpn_transport_kind profile, double *cap)
{
    if (!net || !path || !cap || (int)profile < 0 || (int)profile >= N_PROFILES ||
        cpn_route_path(net->router, path->id) != path)
        return CPN_ERROR(CPN_EINVAL, "cpn_network_cap: bad argument");
    if (profile == CPN_TRANSPORT_IDEAL || path->hops == 0) {
        *cap = INFINITY;
        return CPN_OK;
    }
    size_t slot = (size_t)path->id * N_PROFILES + (size_t)profile;
    if (slot >= net->caps.len) {
        size_t old = net->caps.len;
        if (cpn_array_reserve(&net->caps, slot + 1) != CPN_OK)
            return CPN_ERROR(CPN_ENOMEM, NULL);
        for (size_t i = old; i < net->caps.cap; i++)
            net->caps.items[i] = NAN;
        net->caps.len = net->caps.cap;
    }
    if (isnan(net->caps.items[slot])) {
        if (cpn_array_reserve(&net->hops, path->hops) != CPN_OK)
            return CPN_ERROR(CPN_ENOMEM, NULL);
        for (uint32_t h = 0; h < path->hops; h++) {
            const struct cpn_link *l =
                cpn_topo_link(net->topo, cpn_topo_dlink_link(path->dlinks[h]));
            net->hops.items[h] = (struct cpn_hop){
                .capacity = l->capacity,
                .latency = l->latency,
                .loss = l->loss,
                .buffer = l->buffer,
                .flowctl = l->flow_control,
                .mtu = (double)l->mtu,
            };
        }
        double c;
        int rc = cpn_transport_cap(&net->profiles[profile], net->hops.items, path->hops, &c, NULL);
        if (rc != CPN_OK)
            return rc;
        net->caps.items[slot] = c;
    }
    *cap = net->caps.items[slot];
    return CPN_OK;
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
    struct cpn_flow_spec spec = {
        .src = t->src,
        .dst = t->dst,
        .size = size,
        .hops = path->dlinks,
        .n_hops = path->hops,
        .latency = path->latency,
        .weight = t->weight,
        .done = t->done,
        .ctx = t->ctx,
        .id = t->id,
    };
    int rc = cpn_network_cap(net, path, t->profile, &spec.cap);
    if (rc != CPN_OK)
        return rc;
    if (path->hops == 0 && isinf(spec.cap))
        spec.cap = 1e300; /* src == dst: nothing to cross; the flow completes when it joins */
    return cpn_flow_start(net->flows, &spec, out);
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
    double share[CPN_NETWORK_MAX_PATHS], parts[CPN_NETWORK_MAX_PATHS];
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
    for (uint32_t i = 0; i < k; i++)
        if (flows)
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
