"""Screenshots of the Airflow UI with the monitors plugin, as a user clicks through it: the DAG's
grid, a run's "Monitoring report" tab and the "Monitoring" entry of the nav. Against a running
Airflow (`make airflow`, or the PostgreSQL setup of docs/run-in-airflow.md) where monitor_<model> has runs:

    .venv/bin/python scripts/screenshot_airflow.py http://127.0.0.1:8080 --password PW
                                                   [--user admin] [--model credit_risk] [--run RUN_ID]

Logs in through Airflow's login page, then writes test-artifacts/airflow/{grid,report_tab,
monitoring}.png (1400x900) with Debian's Chromium. --run: default the newest run that alerted,
else the newest run.
"""

from __future__ import annotations

import argparse
import urllib.parse
from pathlib import Path
from typing import Any

OUT = Path(__file__).resolve().parents[1] / "test-artifacts" / "airflow"


def load_run_id(base: str, user: str, password: str, dag_id: str) -> str:
    """The newest run whose `measure` chose a part task (a rule broke), else the newest run."""
    import httpx

    token = httpx.post(f"{base}/auth/token", json={"username": user, "password": password}).json()
    with httpx.Client(headers={"Authorization": f"Bearer {token['access_token']}"}) as client:
        runs = client.get(f"{base}/api/v2/dags/{dag_id}/dagRuns",
                          params={"order_by": "-logical_date", "limit": 50}).json()["dag_runs"]
        if not runs:
            raise SystemExit(f"{dag_id} has no runs: trigger or backfill one first")
        for run in runs:
            if run["state"] == "failed":
                return str(run["dag_run_id"])
        return str(runs[0]["dag_run_id"])


def write_screenshots(page: Any, base: str, dag_id: str, run_id: str) -> None:
    quoted = urllib.parse.quote(run_id, safe="")
    shots = {"grid": f"{base}/dags/{dag_id}",
             "report_tab": f"{base}/dags/{dag_id}/runs/{quoted}/plugin/monitoring-report",
             "monitoring": f"{base}/plugin/monitoring"}
    for name, url in shots.items():
        page.goto(url)
        page.wait_for_load_state("networkidle")
        page.wait_for_timeout(1500)  # the plugin's iframe renders after the page is idle
        page.screenshot(path=str(OUT / f"{name}.png"))
        print(OUT / f"{name}.png", url)


def main() -> None:
    from playwright.sync_api import sync_playwright

    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("base", help="the API server's URL")
    parser.add_argument("--user", default="admin")
    parser.add_argument("--password", required=True)
    parser.add_argument("--model", default="credit_risk")
    parser.add_argument("--run", default=None)
    args = parser.parse_args()
    base, dag_id = args.base.rstrip("/"), f"monitor_{args.model}"
    run_id = args.run or load_run_id(base, args.user, args.password, dag_id)
    OUT.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path="/usr/bin/chromium",
                                     args=["--no-sandbox", "--disable-gpu"])
        page = browser.new_page(viewport={"width": 1400, "height": 900})
        page.goto(f"{base}/auth/login/")
        page.fill("input[name=username]", args.user)
        page.fill("input[name=password]", args.password)
        page.keyboard.press("Enter")
        page.wait_for_url(lambda url: "/auth/login" not in url)
        write_screenshots(page, base, dag_id, run_id)
        browser.close()


if __name__ == "__main__":
    main()
