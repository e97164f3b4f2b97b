#!/usr/bin/env python3
"""Parses a Prometheus text exposition with the reference parser
(python3-prometheus-client) and prints each sample as one line:
NAME{label="value",...} VALUE, labels sorted. Exits 1, naming the problem,
if the text does not parse.

    parse_metrics.py FILE
"""
import sys

from prometheus_client.parser import text_string_to_metric_families


def main():
    with open(sys.argv[1], encoding="utf-8") as f:
        text = f.read()
    try:
        families = list(text_string_to_metric_families(text))
    except Exception as e:  # the parser raises ValueError and others
        print(f"parse_metrics: not Prometheus text: {e}", file=sys.stderr)
        return 1
    if not families:
        print("parse_metrics: no metric at all", file=sys.stderr)
        return 1
    for family in families:
        if not family.documentation:
            print(f"parse_metrics: {family.name} has no HELP", file=sys.stderr)
            return 1
        for s in family.samples:
            labels = ",".join(f'{k}="{v}"' for k, v in sorted(s.labels.items()))
            print(f"{s.name}{{{labels}}} {s.value!r}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
