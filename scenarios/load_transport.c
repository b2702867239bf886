/* Scenario loader: the <transport> profiles and the references to them (see load.h). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "scenarios/load_impl.h"
#include "sim/error.h"

/* Built-in profiles, at the indices of their cpn_transport_kind. */
static const char *const ld_builtin_names[CPN_SCEN_BUILTIN_TRANSPORTS] = {
    "ideal", "tcp", "rdma-lossless", "rdma-lossy"};
static const char *const ld_builtin_cc[CPN_SCEN_BUILTIN_TRANSPORTS] = {"", "reno", "hpcc", "hpcc"};

/* Congestion controls and the utilisation eta they target at steady state. */
static const struct ld_cc {
    const char *name;
    enum cpn_transport_kind kind; /* tcp or rdma (RDMA_LOSSLESS stands for both rdma kinds) */
    double eta;
} ld_ccs[] = {
    /* TCP Reno / NewReno: the congestion avoidance of Mathis et al. (1997); fills the link. */
    {"reno", CPN_TRANSPORT_TCP, 1.0},
    /* HPCC: U_TARGET 0.95 (Li et al., SIGCOMM 2019; reference §1.5). */
    {"hpcc", CPN_TRANSPORT_RDMA_LOSSLESS, 0.95},
    /* DCQCN: 0.9 at steady state.  Assumption: the lower end of the 0.9-0.95 of reference
     * §2.2 (its queue oscillates around the ECN thresholds, Zhu et al., SIGCOMM 2015). */
    {"dcqcn", CPN_TRANSPORT_RDMA_LOSSLESS, 0.9},
    /* No rate control beyond the window and the flow control: the link is filled. */
    {"none", CPN_TRANSPORT_RDMA_LOSSLESS, 1.0},
};

int cpn_ld_transport_builtins(struct cpn_scenario *s)
{
    for (int k = 0; k < CPN_SCEN_BUILTIN_TRANSPORTS; k++) {
        struct cpn_scen_transport t = {.id = ld_builtin_names[k], .cc = ld_builtin_cc[k]};
        cpn_transport_default((enum cpn_transport_kind)k, &t.profile);
        if (cpn_array_push(&s->transports, t) != CPN_OK)
            return CPN_ENOMEM;
    }
    return CPN_OK;
}

uint32_t cpn_scen_find_transport(const struct cpn_scenario *s, const char *id)
{
    for (size_t i = 0; i < s->transports.len; i++)
        if (strcmp(s->transports.items[i].id, id) == 0)
            return (uint32_t)i;
    return CPN_NONE;
}

/* Parse a positive quantity attribute into *out; 0 when bad (reported). */
static int ld_positive(struct cpn_ld *L, xmlNode *elem, const char *name, enum cpn_quantity q,
                       const char *example, double *out)
{
    double v;
    int r = cpn_ld_quantity(L, elem, name, q, &v);
    if (r < 0)
        return 0;
    if (r == 1 && !(v > 0)) {
        cpn_ld_error(L, elem, "%s \"%s\" is not positive (use e.g. \"%s\")", name,
                     cpn_ld_attr(elem, name), example);
        return 0;
    }
    if (r == 1)
        *out = v;
    return 1;
}

int cpn_ld_transport(struct cpn_ld *L, xmlNode *elem)
{
    struct cpn_scenario *s = L->s;
    const char *id = cpn_ld_attr(elem, "id"), *kind = cpn_ld_attr(elem, "kind");
    if (!cpn_ld_check_id(L, elem, id))
        return CPN_OK;
    if (!kind) { /* (the schema reported it) */
        cpn_ld_defined_badly(L, "transport", id);
        return CPN_OK;
    }
    uint32_t first = cpn_scen_find_transport(s, id);
    if (first != CPN_NONE) {
        const struct cpn_scen_transport *f = &s->transports.items[first];
        if (!f->file)
            cpn_ld_error(L, elem,
                         "\"%s\" is the name of a built-in profile (give this one another "
                         "name, e.g. \"%s-custom\")",
                         id, id);
        else
            cpn_ld_error(L, elem, "transport \"%s\" is defined twice (first at %s:%ld)", id,
                         f->file, f->line);
        return CPN_OK;
    }
    int ok = 1;
    struct cpn_scen_transport t = {.id = cpn_ld_strdup(L, id, strlen(id)),
                                   .file = cpn_ld_file_name(elem),
                                   .line = xmlGetLineNo(elem)};
    if (!t.id)
        return CPN_ENOMEM;
    int rdma = strcmp(kind, "rdma") == 0;
    enum cpn_transport_kind k = strcmp(kind, "tcp") == 0 ? CPN_TRANSPORT_TCP
                                : rdma                   ? CPN_TRANSPORT_RDMA_LOSSLESS
                                                         : CPN_TRANSPORT_IDEAL;
    const char *lossless = cpn_ld_attr(elem, "lossless");
    if (lossless && !rdma) {
        cpn_ld_error(L, elem, "lossless is for kind=\"rdma\" (a %s profile is never lossless)",
                     kind);
        ok = 0;
    }
    if (rdma && lossless && strcmp(lossless, "false") == 0)
        k = CPN_TRANSPORT_RDMA_LOSSY;
    cpn_transport_default(k, &t.profile);
    t.cc = k == CPN_TRANSPORT_IDEAL ? "" : k == CPN_TRANSPORT_TCP ? "reno" : "hpcc";
    const char *cc = cpn_ld_attr(elem, "cc");
    if (cc) {
        size_t i = 0, n = sizeof ld_ccs / sizeof ld_ccs[0];
        while (i < n && strcmp(cc, ld_ccs[i].name) != 0)
            i++;
        int fits = i < n && ((k == CPN_TRANSPORT_TCP) == (ld_ccs[i].kind == CPN_TRANSPORT_TCP)) &&
                   k != CPN_TRANSPORT_IDEAL;
        if (!fits) {
            cpn_ld_error(L, elem, "cc \"%s\" is not a congestion control of kind=\"%s\" (use %s)",
                         cc, kind,
                         k == CPN_TRANSPORT_TCP ? "reno"
                         : rdma                 ? "hpcc, dcqcn or none"
                                                : "no cc with kind=\"ideal\"");
            ok = 0;
        } else {
            t.cc = ld_ccs[i].name;
            t.profile.eta = ld_ccs[i].eta;
        }
    }
    const char *eta = cpn_ld_attr(elem, "eta");
    if (eta) {
        char why[256];
        double v;
        if (cpn_units_parse_ratio(eta, &v, why, sizeof why) != CPN_OK) {
            cpn_ld_error(L, elem, "eta %s", why);
            ok = 0;
        } else if (!(v > 0 && v <= 1)) {
            cpn_ld_error(L, elem,
                         "eta \"%s\" is outside (0, 1] (the share of a link the congestion "
                         "control fills, e.g. \"0.95\" or \"95%%\")",
                         eta);
            ok = 0;
        } else
            t.profile.eta = v;
    }
    ok &= ld_positive(L, elem, "window", CPN_Q_SIZE, "6MiB", &t.profile.window);
    ok &= ld_positive(L, elem, "mss", CPN_Q_SIZE, "1460B", &t.profile.mss);
    ok &= ld_positive(L, elem, "packet", CPN_Q_SIZE, "1000B", &t.profile.packet);
    ok &= ld_positive(L, elem, "nic-rate", CPN_Q_RATE, "100Gbps", &t.profile.nic_rate);
    if (cpn_ld_quantity(L, elem, "rtt-extra", CPN_Q_TIME, &t.profile.rtt_extra) < 0)
        ok = 0;
    if (k == CPN_TRANSPORT_IDEAL) {
        static const char *const per_flow[] = {"window", "mss", "packet", "nic-rate", "rtt-extra"};
        for (size_t i = 0; i < sizeof per_flow / sizeof per_flow[0]; i++)
            if (cpn_ld_attr(elem, per_flow[i])) {
                cpn_ld_error(L, elem,
                             "%s has no effect with kind=\"ideal\" (which has no per-flow "
                             "cap; use kind=\"tcp\" or \"rdma\")",
                             per_flow[i]);
                ok = 0;
            }
    }
    if (k != CPN_TRANSPORT_TCP && cpn_ld_attr(elem, "mss")) {
        cpn_ld_error(L, elem, "mss is for kind=\"tcp\" (rdma uses packet)");
        ok = 0;
    }
    if (k == CPN_TRANSPORT_TCP && cpn_ld_attr(elem, "packet")) {
        cpn_ld_error(L, elem, "packet is for kind=\"rdma\" (tcp uses mss)");
        ok = 0;
    }
    const char *lossy = cpn_ld_attr(elem, "lossy-hops");
    if (lossy) {
        if (k != CPN_TRANSPORT_RDMA_LOSSLESS) {
            cpn_ld_error(L, elem,
                         "lossy-hops is for a lossless rdma profile (kind=\"rdma\" without "
                         "lossless=\"false\")");
            ok = 0;
        } else
            t.profile.lossy_hops =
                strcmp(lossy, "go-back-n") == 0 ? CPN_LOSSY_GO_BACK_N : CPN_LOSSY_REFUSE;
    }
    if (!ok) {
        cpn_ld_defined_badly(L, "transport", id);
        return CPN_OK;
    }
    return cpn_array_push(&s->transports, t);
}

int cpn_ld_transport_ref(struct cpn_ld *L, xmlNode *elem, const char *attr, uint32_t *out)
{
    const char *name = cpn_ld_attr(elem, attr);
    if (!name)
        return 0;
    uint32_t i = cpn_scen_find_transport(L->s, name);
    if (i == CPN_NONE) {
        char list[512] = "";
        for (size_t k = 0; k < L->s->transports.len && strlen(list) < 400; k++)
            snprintf(list + strlen(list), sizeof list - strlen(list), "%s%s", k ? ", " : "",
                     L->s->transports.items[k].id);
        cpn_ld_error_undefined(L, elem, "transport", name,
                               "%s \"%s\" is not a transport profile (use one of %s, or define "
                               "it with <transport id=\"%s\" kind=\"tcp|rdma\"/>)",
                               attr, name, list, name);
        return -1;
    }
    *out = i;
    return 1;
}

/* Hops of a route, as models/net/transport.h takes them. */
static int ld_route_hops(const struct cpn_topo *topo, const struct cpn_path *route,
                         struct cpn_hop *hops)
{
    for (uint32_t h = 0; h < route->hops; h++) {
        const struct cpn_link *l = cpn_topo_link(topo, cpn_topo_dlink_link(route->dlinks[h]));
        hops[h] = (struct cpn_hop){l->capacity, l->latency,      l->loss,
                                   l->buffer,   l->flow_control, (double)l->mtu};
    }
    return CPN_OK;
}

int cpn_ld_transport_check_route(struct cpn_ld *L, const char *file, long line, const char *what,
                                 const char *id, uint32_t transport, const struct cpn_path *route)
{
    const struct cpn_scen_transport *t = &L->s->transports.items[transport];
    if (t->profile.kind != CPN_TRANSPORT_RDMA_LOSSLESS ||
        t->profile.lossy_hops != CPN_LOSSY_REFUSE || route->hops == 0)
        return CPN_OK;
    struct cpn_hop *hops = malloc(route->hops * sizeof *hops);
    if (!hops)
        return CPN_ENOMEM;
    ld_route_hops(L->s->topo, route, hops);
    size_t i = cpn_transport_lossy_hop(hops, route->hops);
    free(hops);
    if (i == route->hops)
        return CPN_OK;
    const struct cpn_topo *topo = L->s->topo;
    const struct cpn_link *l = cpn_topo_link(topo, cpn_topo_dlink_link(route->dlinks[i]));
    char where[512];
    if (t->file)
        snprintf(where, sizeof where, " (defined at %s:%ld)", t->file, t->line);
    else
        snprintf(where, sizeof where, " (built in)");
    cpn_diag_error(L->diag, file, line,
                   "%s \"%s\": transport \"%s\"%s is lossless, but its route from \"%s\" to \"%s\" "
                   "crosses link \"%s\", which has no flow control (give the link "
                   "flow-control=\"pfc\" or \"credit\", or model lossy RDMA over it with "
                   "<transport kind=\"rdma\" lossy-hops=\"go-back-n\">)",
                   what, id, t->id, where, cpn_topo_node(topo, route->src)->id,
                   cpn_topo_node(topo, route->dst)->id, l->id);
    return CPN_OK;
}
