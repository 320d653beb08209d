#!/usr/bin/env python3
"""Run Bandit's own functional tests (tests/functional/test_functional.py of the bandit
1.9.4 source distribution) with trustscan as the engine.

    python bandit_functional.py --bandit-src DIR --trustscan BIN

Bandit's test class, its example files and its expected counts are used as they are. Only
`BanditManager.run_tests` is replaced: for each file it runs `trustscan check --format json`
with the test selection and plugin settings of the manager's current test set (Bandit's own
objects decide them, including the settings some tests change), then fills in the scores,
issues, skipped files and metrics from trustscan's findings the way Bandit's manager would.

Prints "TSFIX-RESULT <json>": {"tests": {name: "ok" | "FAIL: ..."}, "passed", "failed"}.
Needs the bandit package installed (for the test class's imports and the example paths).
"""
import argparse
import io
import json
import os
import subprocess
import sys
import tempfile
import unittest

from oracle_common import print_result


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--bandit-src", required=True)
    ap.add_argument("--trustscan", required=True)
    args = ap.parse_args()
    src = os.path.abspath(args.bandit_src)
    os.chdir(src)  # Bandit's tests resolve examples/ from the working directory
    sys.path.insert(0, os.path.join(src, "tests", "functional"))

    from bandit.core import constants
    from bandit.core import issue as b_issue
    from bandit.core import manager as b_manager

    def test_config(b_ts):
        """Selected test IDs and plugin settings of a Bandit test set."""
        ids, config = set(), {}
        for tests in b_ts.tests.values():
            for test in tests:
                test_id = getattr(test, "_test_id", None)
                cfg = getattr(test, "_config", None)
                if test_id == "B001":  # the blacklist: its data lists the enabled entries
                    for entries in (cfg or {}).values():
                        for entry in entries:
                            ids.add(entry["id"])
                    continue
                if test_id:
                    ids.add(test_id)
                if cfg:
                    key = "markupsafe_xss" if test_id == "B704" else test_id
                    config[key] = cfg
        return {"tests": sorted(ids), "config": config}

    def run_tests(self):
        with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False) as f:
            json.dump(test_config(self.b_ts), f)
            cfg_path = f.name
        for fname in list(self.files_list):
            cmd = [args.trustscan, "check", "--format", "json", "--bandit-config", cfg_path, fname]
            if not self.ignore_nosec:
                cmd.insert(2, "--honor-nosec")
            out = subprocess.run(cmd, capture_output=True, text=True)
            if out.returncode not in (0, 1, 3):
                raise RuntimeError(f"trustscan failed on {fname}: {out.stderr}")
            report = json.loads(out.stdout)["files"][0]
            if any("CPython would refuse" in n for n in report["notes"]):
                # Bandit skips a file its parser rejects.
                self.skipped.append((fname, "syntax error while parsing AST from file"))
                self.files_list.remove(fname)
                continue
            score = {
                "SEVERITY": [0] * len(constants.RANKING),
                "CONFIDENCE": [0] * len(constants.RANKING),
            }
            with open(fname, "rb") as fh:
                fdata = fh.read()
            for finding in report["findings"]:
                loc = finding["location"]
                found = b_issue.Issue(
                    severity=finding["severity"].upper(),
                    confidence=finding["confidence"].upper(),
                    cwe=finding["cwe"],
                    text=finding["message"],
                    test_id=finding["rule"],
                    lineno=loc["line"],
                    col_offset=loc["column"] - 1,
                )
                found.linerange = list(range(loc["context"][0], loc["context"][1] + 1))
                found.fname = fname
                found.fdata = io.BytesIO(fdata)
                found.test = finding["name"]
                self.results.append(found)
                for key, field in (("SEVERITY", "severity"), ("CONFIDENCE", "confidence")):
                    rank = finding[field].upper()
                    score[key][constants.RANKING.index(rank)] += constants.RANKING_VALUES[rank]
            self.scores.append(score)
            self.metrics.begin(fname)
            with open(fname, "rb") as fh:
                self.metrics.count_locs(fh.read().splitlines())
            self.metrics.note_nosec(report["nosec"])
            self.metrics.note_skipped_test(report["skipped_tests"])
            self.metrics.count_issues([score])
        self.metrics.aggregate()
        os.unlink(cfg_path)

    b_manager.BanditManager.run_tests = run_tests

    import test_functional

    suite = unittest.defaultTestLoader.loadTestsFromTestCase(test_functional.FunctionalTests)
    results = {}

    class Recorder(unittest.TextTestResult):
        def addSuccess(self, test):
            results[test._testMethodName] = "ok"

        def addFailure(self, test, err):
            results[test._testMethodName] = "FAIL: " + str(err[1])[:2000]

        def addError(self, test, err):
            results[test._testMethodName] = "ERROR: " + repr(err[1])[:2000]

    runner = unittest.TextTestRunner(stream=open(os.devnull, "w"), resultclass=Recorder)
    runner.run(suite)
    passed = sum(1 for v in results.values() if v == "ok")
    print_result({"tests": results, "passed": passed, "failed": len(results) - passed})


if __name__ == "__main__":
    main()
