/**
 * @file models/net/transport.h
 * @brief Per-flow rate caps from the transport protocol and the path (DESIGN.md §4.3).
 *
 * The fluid model (models/net/flow.h) shares link capacity by max-min fairness; this module gives
 * each flow the upper bound @c cap_f that its transport reaches on its own path in steady state
 * (source of the stack: shared/reference/network-models.md §2.2-§2.3 and §3.4):
 *
 *     cap_f = min( NIC rate,
 *                  W / RTT,                              window limit
 *                  MSS / RTT * sqrt(3/2) / sqrt(p),      Mathis et al. 1997 (tcp)
 *                  C_b * (1 - p) / (1 + p (W_pkt - 1)),  go-back-N over a lossy path (rdma)
 *                  min_s Buf_s / RTT_s,                  lossless segments (rdma-lossless)
 *                  eta * C_min )                         congestion-control target utilisation
 *
 * Conventions (decided here, documented in docs/models-network.md):
 * - RTT = 2 x sum of the hops' one-way latencies + the profile's extra RTT (host, equipment).
 * - Path loss p = 1 - prod_i (1 - p_i) over every hop (independent losses per hop).
 * - C_b = C_min = the smallest hop capacity on the path (the bottleneck).
 * - Lossless segments: every hop whose flow control is pfc or credit is one segment: PFC
 *   (IEEE 802.1Qbb) and InfiniBand credits act per link, between the two ends of that link, so
 *   the control loop of a segment spans one hop, RTT_s = 2 x its one-way latency.  A long-haul
 *   segment made of several spans between two gateways is modelled as one link.
 * - Usable buffer of a segment: credit: its buffer; PFC: its buffer minus 2 x MTU (the frames in
 *   flight at each end when XOFF is sent and when PAUSE arrives, reference §1.2), so that a PFC
 *   hop reaches full rate exactly when its buffer covers the §1.2 headroom 2 C d + 2 MTU.
 * - eta scales the bottleneck: the cap includes eta x C_min (eta = 1 adds nothing).
 */
#ifndef CPN_MODELS_NET_TRANSPORT_H
#define CPN_MODELS_NET_TRANSPORT_H

#include <stddef.h>

#include "models/net/topology.h"

/** What the transport model needs to know about one hop (directed link) of a path. */
struct cpn_hop {
    double capacity; /**< [B/s], > 0 */
    double latency;  /**< one-way propagation delay [s], >= 0 */
    double loss;     /**< packet loss probability, in [0, 1) */
    double buffer;   /**< buffer at the receiving end of the hop for this traffic [B] */
    enum cpn_flow_control flowctl; /**< flow-control mode (models/net/topology.h): none, PFC
                                        (IEEE 802.1Qbb) or credit (InfiniBand vol. 1 §7.9,
                                        OTN lossless flow control) */
    double mtu;                    /**< maximum frame size [B], > 0 (used by PFC) */
};

/** Transport profiles (which terms of the cap apply). */
enum cpn_transport_kind {
    CPN_TRANSPORT_IDEAL = 0,     /**< no cap (pure max-min) */
    CPN_TRANSPORT_TCP,           /**< NIC, window, Mathis loss, eta */
    CPN_TRANSPORT_RDMA_LOSSLESS, /**< NIC, window, lossless segments, go-back-N if p > 0, eta */
    CPN_TRANSPORT_RDMA_LOSSY     /**< NIC, window, go-back-N, eta (flow control not used) */
};

/** A transport profile; quantities that are INFINITY (or eta = 1) impose no bound. */
struct cpn_transport {
    enum cpn_transport_kind kind; /**< which terms apply */
    double nic_rate;              /**< sender NIC rate [B/s], > 0 */
    double window;                /**< outstanding-data limit W [B], > 0 */
    double mss;                   /**< TCP maximum segment size [B], > 0 (Mathis) */
    double packet;                /**< RDMA packet payload [B], > 0 (go-back-N W_pkt) */
    double eta;                   /**< congestion-control target utilisation, in (0, 1] */
    double rtt_extra;             /**< added to the propagation RTT [s], >= 0 */
};

/** Breakdown of a cap: every term [B/s] (INFINITY when the term does not apply). */
struct cpn_transport_terms {
    double nic, window, mathis, gbn, segments, eta; /**< the terms [B/s] */
    double rtt;                                     /**< path round-trip time [s] */
    double loss;                                    /**< composed path loss probability */
    double cap;                                     /**< the minimum of the terms [B/s] */
};

/**
 * Fill @p t with the defaults of a profile.
 * - tcp: window 6 MiB (Linux tcp_rmem max, reference §2.3/§2.4), MSS 1460 B (1500-B Ethernet MTU
 *   minus 40 B of IPv4+TCP headers, RFC 879), eta 1.
 * - rdma-lossless: window INFINITY (window >= BDP, reference §2.4), packet 1000 B (the 1 KB
 *   packets of reference §2.3), eta 0.95 (HPCC U_TARGET default, reference §1.5).
 * - rdma-lossy: as rdma-lossless.
 * - ideal: everything INFINITY, eta 1.
 * NIC rate is INFINITY and rtt_extra 0 in every profile (set them from the scenario).
 * @return CPN_OK; CPN_EINVAL for NULL @p t or an unknown kind.
 */
int cpn_transport_default(enum cpn_transport_kind kind, struct cpn_transport *t);

/**
 * Look a profile up by name: "tcp", "rdma-lossless", "rdma-lossy", "ideal".
 * @return CPN_OK; CPN_ENOENT for an unknown name; CPN_EINVAL for NULL arguments.
 */
int cpn_transport_kind_parse(const char *name, enum cpn_transport_kind *kind);

/**
 * Compute the cap of a flow with profile @p t over @p n hops.
 * @param hops the path, length n >= 1 (borrowed).
 * @param cap receives the cap [B/s] (INFINITY when no term binds).
 * @param terms receives the breakdown (may be NULL).
 * @return CPN_OK; CPN_EINVAL for NULL pointers, n 0, or a profile or hop field outside its
 *         documented range.  O(n).
 */
int cpn_transport_cap(const struct cpn_transport *t, const struct cpn_hop *hops, size_t n,
                      double *cap, struct cpn_transport_terms *terms);

/** Window limit W / RTT [B/s] (reference §2.3 item 1; Mathis et al. 1997 §1). */
double cpn_transport_window_cap(double window, double rtt);

/**
 * Mathis et al. loss-limited TCP throughput MSS / RTT * sqrt(3/2) / sqrt(p) [B/s]
 * (Mathis, Semke, Mahdavi, Ott, "The macroscopic behavior of the TCP congestion avoidance
 * algorithm", CCR 27(3), 1997, eq. 3 with C = sqrt(3/2); reference §2.3 item 2).
 * INFINITY when p = 0.
 */
double cpn_transport_mathis_cap(double mss, double rtt, double loss);

/**
 * Go-back-N efficiency (1 - p) / (1 + p (W_pkt - 1)) (reference §2.3 item 3: each loss costs a
 * window of W_pkt retransmitted packets; textbook result, e.g. Bertsekas & Gallager §2.4).
 */
double cpn_transport_gbn_efficiency(double loss, double window_packets);

/**
 * PFC headroom a port-priority needs: 2 C d + 2 MTU [B] (reference §1.2, "2·BDP" rows:
 * round-trip cable delay at rate C plus one maximum frame in flight at each end).
 * @param capacity [B/s]; @param latency one-way [s]; @param mtu [B].
 */
double cpn_transport_pfc_headroom(double capacity, double latency, double mtu);

/** Composed path loss 1 - prod (1 - p_i) over @p n hops (independent per-hop losses). */
double cpn_transport_path_loss(const struct cpn_hop *hops, size_t n);

#endif /* CPN_MODELS_NET_TRANSPORT_H */
