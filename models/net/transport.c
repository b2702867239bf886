/* Per-flow transport caps (see transport.h for the equations and their sources). */
#include "models/net/transport.h"

#include <math.h>
#include <string.h>

#include "sim/error.h"

/* Linux net.ipv4.tcp_rmem maximum, 6 MiB (reference §2.3 table, "Linux max rmem"). */
#define TCP_DEFAULT_WINDOW (6.0 * 1024 * 1024)
/* 1500-B Ethernet MTU minus 20 B IPv4 and 20 B TCP headers (RFC 879). */
#define TCP_DEFAULT_MSS 1460.0
/* 1 KB RDMA payload, as in the go-back-N examples of reference §2.3. */
#define RDMA_DEFAULT_PACKET 1000.0
/* HPCC U_TARGET default eta = 0.95 (reference §1.5, rdma-hw.cc). */
#define RDMA_DEFAULT_ETA 0.95

int cpn_transport_default(enum cpn_transport_kind kind, struct cpn_transport *t)
{
    if (!t)
        return CPN_ERROR(CPN_EINVAL, "transport: NULL profile");
    *t = (struct cpn_transport){kind,     INFINITY, INFINITY, INFINITY,
                                INFINITY, 1.0,      0.0,      CPN_LOSSY_REFUSE};
    switch (kind) {
    case CPN_TRANSPORT_IDEAL:
        return CPN_OK;
    case CPN_TRANSPORT_TCP:
        t->window = TCP_DEFAULT_WINDOW;
        t->mss = TCP_DEFAULT_MSS;
        return CPN_OK;
    case CPN_TRANSPORT_RDMA_LOSSLESS:
    case CPN_TRANSPORT_RDMA_LOSSY:
        t->packet = RDMA_DEFAULT_PACKET;
        t->eta = RDMA_DEFAULT_ETA;
        return CPN_OK;
    }
    return CPN_ERROR(CPN_EINVAL, "transport: unknown profile kind %d", (int)kind);
}

int cpn_transport_kind_parse(const char *name, enum cpn_transport_kind *kind)
{
    static const struct {
        const char *name;
        enum cpn_transport_kind kind;
    } names[] = {{"ideal", CPN_TRANSPORT_IDEAL},
                 {"tcp", CPN_TRANSPORT_TCP},
                 {"rdma-lossless", CPN_TRANSPORT_RDMA_LOSSLESS},
                 {"rdma-lossy", CPN_TRANSPORT_RDMA_LOSSY}};
    if (!name || !kind)
        return CPN_ERROR(CPN_EINVAL, "transport: NULL name");
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
        if (strcmp(name, names[i].name) == 0) {
            *kind = names[i].kind;
            return CPN_OK;
        }
    return CPN_ERROR(CPN_ENOENT,
                     "transport: unknown profile \"%s\" (use tcp, rdma-lossless, rdma-lossy or "
                     "ideal)",
                     name);
}

double cpn_transport_window_cap(double window, double rtt)
{
    return rtt > 0 ? window / rtt : INFINITY;
}

double cpn_transport_mathis_cap(double mss, double rtt, double loss)
{
    if (!(loss > 0) || !(rtt > 0))
        return INFINITY;
    return mss / rtt * sqrt(1.5) / sqrt(loss);
}

double cpn_transport_gbn_efficiency(double loss, double window_packets)
{
    return (1 - loss) / (1 + loss * (window_packets - 1));
}

double cpn_transport_pfc_headroom(double capacity, double latency, double mtu)
{
    return 2 * capacity * latency + 2 * mtu + CPN_PFC_FRAME + capacity * CPN_PFC_RESPONSE;
}

double cpn_transport_segment_rate(const struct cpn_hop *hop)
{
    switch (hop->flowctl) {
    case CPN_FC_CREDIT:
        return cpn_transport_window_cap(hop->buffer, 2 * hop->latency);
    case CPN_FC_PFC:
        return fmax(hop->buffer - 2 * hop->mtu - CPN_PFC_FRAME, 0) /
               (2 * hop->latency + CPN_PFC_RESPONSE);
    case CPN_FC_NONE:
    case CPN_FC_NMODES:
        break;
    }
    return INFINITY;
}

size_t cpn_transport_lossy_hop(const struct cpn_hop *hops, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (hops[i].flowctl == CPN_FC_NONE)
            return i;
    return n;
}

double cpn_transport_path_loss(const struct cpn_hop *hops, size_t n)
{
    /* 1 - prod(1 - p_i) computed as -expm1(sum log1p(-p_i)): exact for tiny p_i, where the
     * direct product would lose the p_i below 1e-16 to rounding. */
    double s = 0;
    for (size_t i = 0; i < n; i++)
        s += log1p(-hops[i].loss);
    return -expm1(s);
}

static int positive(double x)
{
    return x > 0; /* false for NaN */
}

int cpn_transport_cap(const struct cpn_transport *t, const struct cpn_hop *hops, size_t n,
                      double *cap, struct cpn_transport_terms *terms)
{
    if (!t || !hops || !cap || n == 0)
        return CPN_ERROR(CPN_EINVAL, "transport: cap needs a profile, a non-empty path and an "
                                     "output");
    if (!positive(t->nic_rate) || !positive(t->window) || !positive(t->mss) ||
        !positive(t->packet) || !(t->eta > 0 && t->eta <= 1) || !(t->rtt_extra >= 0) ||
        !isfinite(t->rtt_extra))
        return CPN_ERROR(CPN_EINVAL, "transport: profile field out of range (rates, window, MSS "
                                     "and packet > 0; eta in (0, 1]; rtt_extra finite >= 0)");
    if (t->kind < CPN_TRANSPORT_IDEAL || t->kind > CPN_TRANSPORT_RDMA_LOSSY ||
        (t->lossy_hops != CPN_LOSSY_REFUSE && t->lossy_hops != CPN_LOSSY_GO_BACK_N))
        return CPN_ERROR(CPN_EINVAL, "transport: unknown profile kind %d or lossy-hop rule %d",
                         (int)t->kind, (int)t->lossy_hops);
    double one_way = 0, cmin = INFINITY, segments = INFINITY;
    for (size_t i = 0; i < n; i++) {
        const struct cpn_hop *h = &hops[i];
        if (!positive(h->capacity) || !(h->latency >= 0) || !isfinite(h->latency) ||
            !(h->loss >= 0 && h->loss < 1) || !(h->buffer >= 0) || !positive(h->mtu) ||
            (h->flowctl != CPN_FC_NONE && h->flowctl != CPN_FC_PFC && h->flowctl != CPN_FC_CREDIT))
            return CPN_ERROR(CPN_EINVAL,
                             "transport: hop %zu out of range (capacity > 0, latency >= 0, "
                             "loss in [0, 1), buffer >= 0, MTU > 0, known flow control)",
                             i);
        one_way += h->latency;
        cmin = fmin(cmin, h->capacity);
        segments = fmin(segments, cpn_transport_segment_rate(h));
    }
    struct cpn_transport_terms x = {.nic = INFINITY,
                                    .window = INFINITY,
                                    .mathis = INFINITY,
                                    .gbn = INFINITY,
                                    .segments = INFINITY,
                                    .eta = INFINITY,
                                    .rtt = 2 * one_way + t->rtt_extra,
                                    .loss = cpn_transport_path_loss(hops, n)};
    if (t->kind != CPN_TRANSPORT_IDEAL)
        x.nic = t->nic_rate;
    if (t->kind != CPN_TRANSPORT_IDEAL)
        x.window = cpn_transport_window_cap(t->window, x.rtt);
    if (t->eta < 1)
        x.eta = t->eta * cmin;
    int gbn = 0;
    switch (t->kind) {
    case CPN_TRANSPORT_IDEAL:
        break;
    case CPN_TRANSPORT_TCP:
        x.mathis = cpn_transport_mathis_cap(t->mss, x.rtt, x.loss);
        break;
    case CPN_TRANSPORT_RDMA_LOSSLESS:
        if (cpn_transport_lossy_hop(hops, n) < n) {
            if (t->lossy_hops == CPN_LOSSY_REFUSE)
                return CPN_ERROR(CPN_ESCENARIO,
                                 "transport: a lossless profile over hop %zu, which has no "
                                 "flow control",
                                 cpn_transport_lossy_hop(hops, n));
            gbn = 1; /* lossy RDMA with go-back-N over this path */
            break;
        }
        /* Every hop is flow-controlled: no congestion loss (a hop's loss is that of the
         * traffic that does not use its flow control).  Assumption: bit errors are corrected
         * below (OTN FEC), so the lossless flows see no loss at all. */
        x.lossless = 1;
        x.segments = segments;
        break;
    case CPN_TRANSPORT_RDMA_LOSSY:
        gbn = 1;
        break;
    }
    if (gbn) {
        /* Packets in flight: the window, or the bottleneck BDP when the window is larger. */
        double w_pkt = fmax(fmin(t->window, cmin * x.rtt) / t->packet, 1);
        x.gbn = cmin * cpn_transport_gbn_efficiency(x.loss, w_pkt);
    }
    x.cap = fmin(fmin(x.nic, x.window), fmin(x.mathis, x.gbn));
    x.alone = fmin(fmin(x.cap, cmin), fmin(x.segments, x.eta));
    *cap = x.cap;
    if (terms)
        *terms = x;
    return CPN_OK;
}
