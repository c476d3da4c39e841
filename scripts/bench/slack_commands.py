"""Times signed `/tengu` slash commands against a running tengu: from sending the request to the first answer
(Slack needs one within 3 s). Prints the median and the slowest of N for `help` (answered in the response) and
`status dev` (acknowledged at once, the work done after). Usage: slack_commands.py BASE_URL SIGNING_SECRET N"""

import hashlib
import hmac
import statistics
import sys
import time
import urllib.parse
import urllib.request

base, secret, count = sys.argv[1], sys.argv[2].encode(), int(sys.argv[3])


def ask(text):
    body = urllib.parse.urlencode({
        "command": "/tengu", "text": text, "user_id": "U0BENCH", "channel_id": "C0BENCH", "team_id": "T0BENCH",
        # Answers after the acknowledgement go here; nothing listens, and tengu only logs that.
        "response_url": "https://hooks.slack.com/commands/T0/0/bench",
    }).encode()
    stamp = str(int(time.time()))
    signature = "v0=" + hmac.new(secret, b"v0:" + stamp.encode() + b":" + body, hashlib.sha256).hexdigest()
    request = urllib.request.Request(base + "/slack/commands", data=body, headers={
        "Content-Type": "application/x-www-form-urlencoded",
        "X-Slack-Request-Timestamp": stamp, "X-Slack-Signature": signature,
    })
    started = time.perf_counter()
    with urllib.request.urlopen(request, timeout=10) as answer:
        answer.read()
        if answer.status != 200:
            raise SystemExit(f"/tengu {text} answered {answer.status}")
    return (time.perf_counter() - started) * 1000


for text in ["help", "status dev"]:
    times = [ask(text) for _ in range(count)]
    print(f"/tengu {text:<11} first answer: median {statistics.median(times):.2f} ms, slowest {max(times):.2f} ms "
          f"({count} commands)")
