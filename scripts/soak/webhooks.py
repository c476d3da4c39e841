"""Sends signed GitHub deliveries at a steady rate for a while, each with its own X-GitHub-Delivery; prints how
many were sent and how each was answered, as JSON. Fails on the first 5xx.

usage: webhooks.py BASE_URL SECRET RATE_PER_SECOND SECONDS PREFIX
"""
import hashlib
import hmac
import http.client
import json
import sys
import threading
import time
import urllib.parse

base, secret, rate, seconds, prefix = sys.argv[1], sys.argv[2].encode(), int(sys.argv[3]), float(sys.argv[4]), sys.argv[5]
host = urllib.parse.urlparse(base)
fixtures = "server/tests/fixtures/github-webhooks"
opened = json.load(open(f"{fixtures}/pull_request.opened.json"))
edited = dict(opened, action="edited", changes={"body": {"from": ""}})
edited["repository"] = dict(opened["repository"], full_name="acme/shop")
push = json.load(open(f"{fixtures}/push.json"))
kinds = [("pull_request", json.dumps(edited).encode()), ("push", json.dumps(push).encode()),
         ("ping", json.dumps(json.load(open(f"{fixtures}/ping.json"))).encode())]

answers = {}
lock = threading.Lock()
failed = []
THREADS = 5


def sender(index):
    conn = http.client.HTTPConnection(host.hostname, host.port, timeout=30)
    per_thread = rate / THREADS
    start = time.monotonic()
    n = 0
    while time.monotonic() - start < seconds and not failed:
        due = start + n / per_thread
        pause = due - time.monotonic()
        if pause > 0:
            time.sleep(pause)
        event, body = kinds[n % len(kinds)]
        signature = "sha256=" + hmac.new(secret, body, hashlib.sha256).hexdigest()
        headers = {"Content-Type": "application/json", "X-GitHub-Event": event,
                   "X-GitHub-Delivery": f"{prefix}-{index}-{n}", "X-Hub-Signature-256": signature}
        try:
            conn.request("POST", "/webhooks/github", body, headers)
            response = conn.getresponse()
            response.read()
            status = response.status
        except Exception as error:  # a dropped connection counts as a failure, like a 5xx
            status = f"error: {error}"
            conn = http.client.HTTPConnection(host.hostname, host.port, timeout=30)
        with lock:
            answers[str(status)] = answers.get(str(status), 0) + 1
            if not (isinstance(status, int) and status < 500):
                failed.append(f"{prefix}-{index}-{n}: {status}")
        n += 1


threads = [threading.Thread(target=sender, args=(i,)) for i in range(THREADS)]
for thread in threads:
    thread.start()
for thread in threads:
    thread.join()
print(json.dumps({"sent": sum(answers.values()), "answers": answers, "failed": failed[:5]}))
sys.exit(1 if failed else 0)
