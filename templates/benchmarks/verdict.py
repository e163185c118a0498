"""Benchmark verdict: print the run identity and the tool's result files between markers (for
`inferstack bench collect` to read from the Job log) and fail the Job when too many requests failed.

Usage: python3 verdict.py TOOL RESULTS_DIR MAX_ERROR_RATE [RUN_JSON]
Self-contained on purpose: it runs inside the benchmark tool's image.
"""

import json
import os
import sys

BEGIN = "=== inferstack-result {name} ==="
END = "=== inferstack-result-end ==="
RUN_BEGIN = "=== inferstack-run ==="
RUN_END = "=== inferstack-run-end ==="


def counts(tool, name, data):
    """(ok, failed) requests in one result file, or None when the file holds no totals."""
    if tool == "inference-perf":
        if not name.endswith("summary_lifecycle_metrics.json"):
            return None
        return data["successes"]["count"], data["failures"]["count"]
    if tool == "vllm-bench":
        ok = data["completed"]
        failed = data["failed"] if "failed" in data else data["num_prompts"] - ok
        return ok, failed
    if tool == "guidellm":
        ok = failed = 0
        for bench in data["benchmarks"]:
            totals = bench["metrics"]["request_totals"]
            ok += totals["successful"]
            failed += totals["errored"] + totals["incomplete"]
        return ok, failed
    raise SystemExit(f"verdict: unknown tool {tool}")


def documents(text):
    """A JSON file, or JSON Lines (vllm bench serve --append-result writes one object per line)."""
    try:
        return [json.loads(text)]
    except json.JSONDecodeError:
        return [json.loads(line) for line in text.splitlines() if line.strip()]


def print_identity(run_json):
    """The run identity (engine, versions, spec hash, GPUs, SLO) rendered into the Job's ConfigMap."""
    try:
        with open(run_json, encoding="utf-8") as f:
            text = f.read()
    except OSError as exc:
        print(f"verdict: no run identity at {run_json} ({exc.strerror})", file=sys.stderr)
        return
    print(RUN_BEGIN)
    print(text.rstrip("\n"))
    print(RUN_END)


def main(tool, results, max_error_rate, run_json=None):
    if run_json:
        print_identity(run_json)
    ok = failed = 0
    found = 0
    for root, _, files in sorted(os.walk(results)):
        for file in sorted(files):
            if not file.endswith(".json"):
                continue
            path = os.path.join(root, file)
            rel = os.path.relpath(path, results)
            with open(path, encoding="utf-8") as f:
                text = f.read()
            print(BEGIN.format(name=rel))
            print(text.rstrip("\n"))
            print(END)
            for data in documents(text):
                got = counts(tool, file, data)
                if got:
                    found += 1
                    ok += got[0]
                    failed += got[1]
    total = ok + failed
    if not found or total == 0:
        print(f"verdict: FAIL: {tool} wrote no results with request counts", file=sys.stderr)
        return 1
    rate = failed / total
    verdict = "PASS" if rate <= max_error_rate else "FAIL"
    print(f"verdict: {verdict}: {failed} of {total} requests failed (error rate {rate:.4f}, max {max_error_rate})")
    return 0 if verdict == "PASS" else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1], sys.argv[2], float(sys.argv[3]), *sys.argv[4:5]))
