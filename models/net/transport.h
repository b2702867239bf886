/**
 * @file models/net/transport.h
 * @brief Per-flow rate caps from the transport protocol and the path (DESIGN.md §4.3).
 *
 * The fluid model (models/net/flow.h) shares capacity by max-min fairness over resources.  This
 * module says which limits are the sender's own (a per-flow cap, applied to each flow alone) and
 * which are shared (resources of the solve, crossed by every flow they apply to); source of the
 * stack: shared/reference/network-models.md §1.2, §1.9, §2.2-§2.3, §3.4 and DESIGN.md §4.3.
 *
 * Per-flow cap (cpn_transport_cap()):
 *
 *     cap_f = min( NIC rate,
 *                  W / RTT,                              window limit
 *                  MSS / RTT * sqrt(3/2) / sqrt(p),      Mathis et al. 1997 (tcp)
 *                  C_b * (1 - p) / (1 + p (W_pkt - 1)) ) go-back-N over a lossy path (rdma)
 *
 * Shared limits (resources that models/net/network.c adds to the flows' paths):
 * - a lossless segment direction (each pfc or credit hop, for lossless flows only): capacity
 *   cpn_transport_segment_rate(), the rate at which its buffer covers the bytes in flight of
 *   all the lossless flows through it (credit: Buf / RTT_s, InfiniBand vol. 1 §7.9 and
 *   reference §1.9; pfc: the largest rate whose headroom fits the buffer, reference §1.2);
 * - a link direction seen by one congestion control: eta x C, shared by the flows whose profile
 *   has that eta (HPCC's U_TARGET, DCQCN's steady utilisation; reference §1.4-§1.5, §2.2).
 *
 * Conventions (decided here, documented in docs/models-network.md §2):
 * - RTT = 2 x sum of the hops' one-way latencies + the profile's extra RTT (host, equipment).
 * - Path loss p = 1 - prod_i (1 - p_i) over every hop (independent losses per hop).
 * - C_b = C_min = the smallest hop capacity on the path (the bottleneck).
 * - Lossless segments: every hop whose flow control is pfc or credit is one segment: PFC
 *   (IEEE 802.1Qbb) and InfiniBand credits act per link, between the two ends of that link, so
 *   the control loop of a segment spans one hop.  A long-haul segment made of several spans
 *   between two gateways is modelled as one link.
 * - A lossless profile needs every hop of its path to be flow-controlled: a hop with flow
 *   control none is lossy.  A flow-controlled hop's loss is the loss of the traffic that does
 *   not use its flow control (congestion drops: tcp, rdma-lossy); lossless flows see none
 *   (Assumption: bit errors are corrected below them, by the OTN FEC).  Such a path is refused
 * (CPN_LOSSY_REFUSE, the default), or the flow is modelled as lossy RDMA with go-back-N over it
 * (CPN_LOSSY_GO_BACK_N).
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
    CPN_TRANSPORT_RDMA_LOSSLESS, /**< NIC, window, lossless segments, eta (no loss) */
    CPN_TRANSPORT_RDMA_LOSSY     /**< NIC, window, go-back-N, eta (flow control not used) */
};

/** What a lossless profile does on a path with a lossy hop (a hop without flow control). */
enum cpn_lossy_hops {
    CPN_LOSSY_REFUSE = 0, /**< the path is refused (a scenario error; the default) */
    CPN_LOSSY_GO_BACK_N   /**< the flow runs as lossy RDMA (go-back-N, no lossless segments) */
};

/** A transport profile; quantities that are INFINITY (or eta = 1) impose no bound. */
struct cpn_transport {
    enum cpn_transport_kind kind;   /**< which terms apply */
    double nic_rate;                /**< sender NIC rate [B/s], > 0 */
    double window;                  /**< outstanding-data limit W [B], > 0 */
    double mss;                     /**< TCP maximum segment size [B], > 0 (Mathis) */
    double packet;                  /**< RDMA packet payload [B], > 0 (go-back-N W_pkt) */
    double eta;                     /**< congestion-control target utilisation, in (0, 1]: the
                                         flows of this eta share eta x C of each link (a shared
                                         resource, not a per-flow cap) */
    double rtt_extra;               /**< added to the propagation RTT [s], >= 0 */
    enum cpn_lossy_hops lossy_hops; /**< rdma-lossless over a hop without flow control */
};

/**
 * Breakdown of a cap: every term [B/s] (INFINITY when the term does not apply).  nic, window,
 * mathis and gbn make the per-flow cap; segments and eta are the shared limits of the path
 * (the smallest segment rate, eta x C_min) as a flow alone on the path would meet them.
 */
struct cpn_transport_terms {
    double nic, window, mathis, gbn, segments, eta; /**< the terms [B/s] */
    double rtt;                                     /**< path round-trip time [s] */
    double loss;                                    /**< composed path loss probability */
    double cap;                                     /**< per-flow cap: min(nic, window, mathis,
                                                         gbn) [B/s] */
    double alone;                                   /**< min(cap, segments, eta, C_min): the
                                                         rate of a flow alone on the path [B/s] */
    int lossless;                                   /**< 1 when the flow crosses the lossless
                                                         segments (rdma-lossless on a path
                                                         without lossy hops) */
};

/**
 * Fill @p t with the defaults of a profile.
 * - tcp: window 6 MiB (Linux tcp_rmem max, reference §2.3/§2.4), MSS 1460 B (1500-B Ethernet MTU
 *   minus 40 B of IPv4+TCP headers, RFC 879), eta 1.
 * - rdma-lossless: window INFINITY (window >= BDP, reference §2.4), packet 1000 B (the 1 KB
 *   packets of reference §2.3), eta 0.95 (HPCC U_TARGET default, reference §1.5).
 * - rdma-lossy: as rdma-lossless.
 * - ideal: everything INFINITY, eta 1.
 * NIC rate is INFINITY, rtt_extra 0 and lossy_hops CPN_LOSSY_REFUSE in every profile (set them
 * from the scenario).
 * @return CPN_OK; CPN_EINVAL for NULL @p t or an unknown kind.
 */
int cpn_transport_default(enum cpn_transport_kind kind, struct cpn_transport *t);

/**
 * Look a profile up by name: "tcp", "rdma-lossless", "rdma-lossy", "ideal".
 * @return CPN_OK; CPN_ENOENT for an unknown name; CPN_EINVAL for NULL arguments.
 */
int cpn_transport_kind_parse(const char *name, enum cpn_transport_kind *kind);

/**
 * Compute the per-flow cap of a flow with profile @p t over @p n hops (the shared limits are
 * resources: see the file comment; @p terms reports them).
 * @param hops the path, length n >= 1 (borrowed).
 * @param cap receives the cap [B/s] (INFINITY when no term binds).
 * @param terms receives the breakdown (may be NULL).
 * @return CPN_OK; CPN_EINVAL for NULL pointers, n 0, or a profile or hop field outside its
 *         documented range; CPN_ESCENARIO when @p t is rdma-lossless with CPN_LOSSY_REFUSE and
 *         a hop has no flow control (cpn_transport_lossy_hop() names it).  O(n).
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

/** Bytes of a PFC frame with its inter-frame gap and preamble: 64 + 20 [B] (reference §1.2). */
#define CPN_PFC_FRAME 84.0

/**
 * Interface and response delays of a PFC port [s]: D_intf_tx + D_intf_rx + D_resp =
 * 122,880 + 122,880 + 201,728 bit times at 100 GbE (IEEE 802.1Qbb upper bounds quoted in
 * reference §1.2) = 4.47488 us.  Assumption: the same times at every rate (the standard gives
 * bit times per rate; 100 GbE is the rate of the reference's examples).
 */
#define CPN_PFC_RESPONSE 4.47488e-6

/**
 * PFC headroom a port-priority needs to be lossless at rate C [B] (reference §1.2):
 * 2 C d + 2 MTU + CPN_PFC_FRAME + C x CPN_PFC_RESPONSE (round-trip cable delay, one maximum
 * frame in flight at each end, the PAUSE frame, the interface and response delays).
 * @param capacity [B/s]; @param latency one-way [s]; @param mtu [B].
 */
double cpn_transport_pfc_headroom(double capacity, double latency, double mtu);

/**
 * Aggregate rate a lossless segment (a pfc or credit hop) sustains for all the lossless flows
 * through it [B/s] (INFINITY for a hop without flow control, or a credit hop of zero latency):
 * - credit: buffer / (2 d): the credits bound the bytes in flight over the hop's round trip
 *   (InfiniBand vol. 1 §7.9, reference §1.9);
 * - pfc: (buffer - 2 MTU - CPN_PFC_FRAME) / (2 d + CPN_PFC_RESPONSE), at least 0: the largest
 *   rate whose headroom (cpn_transport_pfc_headroom()) fits the buffer.  Rule for a buffer
 *   below the line-rate headroom: the port stays lossless by pausing earlier, so the segment
 *   runs at this rate instead of C (not at C with loss).
 * The caller compares it with the hop's capacity.  O(1).
 */
double cpn_transport_segment_rate(const struct cpn_hop *hop);

/**
 * Find the first hop without flow control on a path (where a lossless profile is lossy).
 * @return its index in [0, n), or n when every hop is flow-controlled.  O(n).
 */
size_t cpn_transport_lossy_hop(const struct cpn_hop *hops, size_t n);

/** Composed path loss 1 - prod (1 - p_i) over @p n hops (independent per-hop losses). */
double cpn_transport_path_loss(const struct cpn_hop *hops, size_t n);

#endif /* CPN_MODELS_NET_TRANSPORT_H */
