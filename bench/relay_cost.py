#!/usr/bin/env python3
"""The relay thread's CPU per packet at one fixed load, A against B.

On a shared 2-core machine the relay's cost per packet drifts by 15 % or
more over minutes, so two builds (or two sides) are only comparable when
they run interleaved: each rep runs every BUILD x SIDE once, on a fresh
side, at the same number of calls (capacity.py's load: one 50 pps SRTP
stream a call, re-keyed AES_CM_128_HMAC_SHA1_80 in, _32 out), and prints
the relay process's CPU over the step divided by the packets relayed.
Pick a load below every side's limit (no loss), where CPU tells cost.

    relay_cost.py BUILD [BUILD ...] [--sides edge-sip,edge-api]
        [--calls 2100] [--secs 4] [--reps 4] [--paced]

--paced sends packet by packet, as capacity.py's latency steps do, rather
than in bursts of 16: what the relay costs when each wake-up finds one
packet, and the latency it adds then (p99 printed with each rep).

BUILDs are configured build directories with bench/ built (capacity.sh
builds one); the first is "new", the others are named by their path.
"""
import argparse
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import capacity  # noqa: E402


def side_of(name, build):
    if name == "edge-sip":
        return capacity.EdgeSip(build)
    if name == "edge-api":
        return capacity.EdgeApi(build)
    if name == "rtpengine":
        return capacity.Rtpengine()
    raise SystemExit("relay_cost: unknown side %s" % name)


def one(name, build, calls, secs, paced):
    run = capacity.Run(side_of(name, build), build)
    tag = "latency" if paced else "step"
    try:
        run.at(calls, 2, open(os.devnull, "w"), tag)     # settle, latch
        st = run.at(calls, secs, open(os.devnull, "w"), tag)
    finally:
        run.close()
    return st


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("builds", nargs="+")
    ap.add_argument("--sides", default="edge-sip")
    ap.add_argument("--calls", type=int, default=2100)
    ap.add_argument("--secs", type=float, default=4)
    ap.add_argument("--reps", type=int, default=4)
    ap.add_argument("--paced", action="store_true")
    a = ap.parse_args()
    builds = [os.path.abspath(b) for b in a.builds]
    runs = [(s, b) for b in builds for s in a.sides.split(",")]
    cost = {r: [] for r in runs}
    print("relay CPU per packet at %d calls (%d packets/s), %s s a step, "
          "%d reps interleaved, %s" % (a.calls, a.calls * 50, a.secs, a.reps,
                                       "paced" if a.paced else "bursts of 16"))
    for rep in range(a.reps):
        for s, b in runs:
            st = one(s, b, a.calls, a.secs, a.paced)
            us = st["relay_cpu"] / 100.0 / st["pps"] * 1e6 if st["pps"] else 0
            cost[(s, b)].append(us)
            print("  rep %d  %-9s %-40s relay cpu %5.1f%%  %5.2f us/packet  "
                  "loss %.3f%%  p99 %d us" % (rep, s, b, st["relay_cpu"], us,
                                               st["loss"], st["p99_us"]),
                  flush=True)
    print("mean us/packet (lower is better):")
    for (s, b), v in cost.items():
        print("  %-9s %-40s %5.2f   (%s)" % (s, b, sum(v) / len(v),
                                           " ".join("%.2f" % x for x in v)))
    if len(builds) > 1:
        for s in a.sides.split(","):
            base = cost[(s, builds[0])]
            for b in builds[1:]:
                other = cost[(s, b)]
                wins = sum(1 for x, y in zip(base, other) if x < y)
                print("  %s: %s / %s = %.3f, cheaper in %d of %d reps" % (
                    s, builds[0], b, (sum(base) / len(base)) / (sum(other) / len(other)),
                    wins, len(base)))


if __name__ == "__main__":
    main()
