#!/usr/bin/env python3
"""Stalls in a load run: reads the samples of `scripts/bench-load.sh` (SAMPLES=file.json) and
prints, for requests and submits, p50/p99, the share of slow calls (over 1.5 x p50) by the
second's phase modulo PERIOD (a job every PERIOD seconds shows as one phase far above the
others), and the strongest repeats of slow calls in 100 ms bins (autocorrelation by lag).

    python3 scripts/bench-stalls.py samples.json [PERIOD=5]
"""
import json
import sys


def main(path, period):
    samples = json.load(open(path))
    for what in ("request", "submit"):
        rows = samples[what]
        if not rows:
            continue
        values = sorted(r[2] for r in rows)
        p50, p99 = values[len(values) // 2], values[int(0.99 * len(values))]
        slow = lambda latency: latency > 1.5 * p50
        # by second, leaving out the run's first two and last three seconds
        seconds = {}
        for _, at, latency in rows:
            seconds.setdefault(int(at // 1000), []).append(latency)
        kept = [s for s in sorted(seconds) if 2 <= s <= max(seconds) - 3]
        share = {s: sum(map(slow, seconds[s])) / len(seconds[s]) for s in kept}
        phases = []
        for k in range(period):
            in_phase = [share[s] for s in kept if s % period == k]
            phases.append(sum(in_phase) / max(1, len(in_phase)))
        # 100 ms bins, autocorrelation of the slow share
        bins = int(max(r[1] for r in rows) // 100) + 1
        count, slow_count = [0] * bins, [0] * bins
        for _, at, latency in rows:
            count[int(at // 100)] += 1
            slow_count[int(at // 100)] += slow(latency)
        x = [slow_count[i] / count[i] if count[i] else 0 for i in range(20, bins - 20)]
        mean = sum(x) / max(1, len(x))
        var = sum((v - mean) ** 2 for v in x) / max(1, len(x)) or 1
        acf = {
            lag: sum((x[i] - mean) * (x[i + lag] - mean) for i in range(len(x) - lag)) / len(x) / var
            for lag in range(3, min(61, len(x)))
        }
        top = sorted(acf.items(), key=lambda kv: -kv[1])[:5]
        print(f"{what}: p50 {p50:.0f} ms, p99 {p99:.0f} ms ({p99 / p50:.2f} x p50)")
        print(f"  slow share by second mod {period}: " + " ".join(f"{v:.2f}" for v in phases))
        print("  repeats (lag in s: autocorrelation): " + " ".join(f"{lag / 10:.1f}: {c:.2f}" for lag, c in top))


if __name__ == "__main__":
    main(sys.argv[1], int(sys.argv[2]) if len(sys.argv) > 2 else 5)
