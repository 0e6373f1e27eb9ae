"""How long Airflow's DagBag takes to load the repo's DAG folder, the cost the scheduler's parser
pays on every loop (airflow's own imports left out): the median of --runs fresh processes.

    .venv/bin/python benchmarks/dag_parse.py --runs 5
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
from pathlib import Path

DAGS = Path(__file__).resolve().parents[1] / "dags"
PROBE = ("import sys, time; sys.path.insert(0, {dags!r}); import airflow.sdk; "
         "from airflow.dag_processing.dagbag import DagBag; start = time.perf_counter(); "
         "DagBag(dag_folder={dags!r}); print(time.perf_counter() - start)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    runs = parser.parse_args().runs
    seconds = [float(subprocess.run([sys.executable, "-c", PROBE.format(dags=str(DAGS))], check=True,
                                    capture_output=True, text=True).stdout.strip().splitlines()[-1])
               for _ in range(runs)]
    print(f"DAG folder {DAGS}: median {statistics.median(seconds):.3f} s over {runs} runs "
          f"(min {min(seconds):.3f} s, max {max(seconds):.3f} s)")


if __name__ == "__main__":
    main()
