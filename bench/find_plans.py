#!/usr/bin/env python3
"""Finds citizens with an active plan through the JSON API, for bench/run.

    find_plans.py BASE_URL TOKEN COUNT OUT_FILE

Searches common Danish surnames, asks each found citizen for their active plan
and writes up to COUNT lines "plan_id version citizen_id goal_id" to OUT_FILE.
Only citizens the logged-in staff member works with are taken (the access
policy refuses the others). Exits non-zero when it finds none. Standard library only.
"""
import http.client
import json
import sys
import urllib.parse

SURNAMES = ["jensen", "nielsen", "hansen", "pedersen", "andersen", "christensen", "larsen",
            "sørensen", "rasmussen", "jørgensen", "petersen", "madsen", "kristensen", "olsen",
            "thomsen", "christiansen", "poulsen", "johansen", "møller", "mortensen"]


def main():
    base, token, count, out = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4]
    url = urllib.parse.urlsplit(base)
    conn = http.client.HTTPConnection(url.hostname, url.port, timeout=30)
    headers = {"authorization": f"Bearer {token}", "content-type": "application/json"}

    def call(method, path, body=None):
        conn.request(method, path, body=json.dumps(body) if body is not None else None, headers=headers)
        r = conn.getresponse()
        data = r.read()
        return r.status, (json.loads(data) if data else None)

    found, seen = [], set()
    for name in SURNAMES:
        status, people = call("POST", "/api/v1/citizens/search", {"q": name, "limit": 200})
        if status != 200:
            sys.exit(f"find_plans: search failed with {status}")
        for p in people:
            if p["id"] in seen or not p.get("works_with"):
                continue
            seen.add(p["id"])
            status, plan = call("GET", f"/api/v1/citizens/{p['id']}/plan")
            if status == 200 and plan and plan["content"]["goals"]:
                found.append((plan["id"], plan["version"], p["id"], plan["content"]["goals"][0]["id"]))
            elif status not in (200, 403, 404):
                sys.exit(f"find_plans: plan lookup failed with {status}")
            if len(found) >= count:
                break
        if len(found) >= count:
            break
    if not found:
        sys.exit("find_plans: no citizen with a plan found; is the data set made by this version of `tvaers demo`?")
    with open(out, "w") as f:
        for plan_id, version, citizen_id, goal_id in found:
            f.write(f"{plan_id} {version} {citizen_id} {goal_id}\n")
    print(len(found))


if __name__ == "__main__":
    main()
