#!/usr/bin/env python3
"""Finds citizens with an active plan through the JSON API, for bench/run.

    find_plans.py BASE_URL TOKEN COUNT OUT_FILE

Searches common Danish surnames, asks each found citizen for their active plan
and writes up to COUNT lines "plan_id version citizen_id goal_id measurement" to
OUT_FILE: goal_id is an active goal of the plan, measurement a JSON body (no
spaces) for POST /api/v1/citizens/{id}/measurements that is valid for that
goal's scale (FSIII level, GAS 0, a number, an ordinal step, or the citizen's
satisfaction for a goal without a scale) and is measured now.
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


def measurement(goal):
    """A measurement valid for the goal's scale, without a time (the server takes now)."""
    scale = (goal.get("scale") or {}).get("kind", "none")
    body = {"goal_id": goal["id"]}
    if scale == "fsiii":
        body.update(kind="functional", current="2", expected="2")
    elif scale in ("gas", "ordinal"):
        body.update(kind="level", value=0)
    elif scale == "numeric":
        base = goal.get("baseline")
        body.update(kind="level", value=base if isinstance(base, (int, float)) else 1)
    else:
        body.update(kind="satisfaction", value=4)
    return json.dumps(body, separators=(",", ":"), ensure_ascii=True)


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
            goals = plan["content"]["goals"] if status == 200 and plan else []
            active = [g for g in goals if g.get("status", "active") == "active"]
            if active:
                found.append((plan["id"], plan["version"], p["id"], active[0]["id"], measurement(active[0])))
            elif status not in (200, 403, 404):
                sys.exit(f"find_plans: plan lookup failed with {status}")
            if len(found) >= count:
                break
        if len(found) >= count:
            break
    if not found:
        sys.exit("find_plans: no citizen with a plan found; is the data set made by this version of `tvaers demo`?")
    with open(out, "w") as f:
        for plan_id, version, citizen_id, goal_id, body in found:
            f.write(f"{plan_id} {version} {citizen_id} {goal_id} {body}\n")
    print(len(found))


if __name__ == "__main__":
    main()
