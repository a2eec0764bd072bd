"""Seeds scenarios through the harness and saves what each function logged, as `aws logs filter-log-events --output json`
prints it, into tests/RotationTroubleshooter.Tests/Logs/Fixtures/<scenario>-<format>.json (the xunit classifier tests).

    python3 capture_fixtures.py [<scenario>[:<format>] ...]     (default: all; RT_MOTO_URL and RT_TEST_SERVERS set)

Run it against an emptied moto: the export is the function's whole log group.
"""
import json
import os
import sys

import rotation_harness as harness
import scenarios

OUT = os.path.join(harness.REPO, "tests", "RotationTroubleshooter.Tests", "Logs", "Fixtures")


def export(group):
    logs, events, token = harness.client("logs"), [], None
    while True:
        page = logs.filter_log_events(logGroupName=group, **({"nextToken": token} if token else {}))
        events += page["events"]
        token = page.get("nextToken")
        if not token:
            break
    streams = sorted({e["logStreamName"] for e in events})
    return {"events": [{k: e[k] for k in ("logStreamName", "timestamp", "message", "ingestionTime", "eventId")} for e in events],
            "searchedLogStreams": [{"logStreamName": s, "searchedCompletely": True} for s in streams]}


def main(arguments):
    os.makedirs(OUT, exist_ok=True)
    seeds = {}
    for argument in arguments or ["all"]:
        name, _, log_format = argument.partition(":")
        for n in (scenarios.SCENARIOS if name == "all" else [name]):
            for f in ([log_format] if log_format else scenarios.SCENARIOS[n][1]):
                key, result = scenarios.seed(n, f)
                seeds[key] = result
    for key, result in seeds.items():
        path = os.path.join(OUT, f"{result['scenario']}-{result['logFormat'].lower()}.json")
        with open(path, "w") as f:
            json.dump(export(f"/aws/lambda/{result['functionName']}"), f, indent=4, ensure_ascii=False)
            f.write("\n")
        print(path)


if __name__ == "__main__":
    main(sys.argv[1:])
