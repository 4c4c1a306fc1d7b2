# Verifies webhook deliveries with the Standard Webhooks reference library (not mm's code).
# argv[1]: the secret; stdin: JSON list of {headers, body}. Prints the verified payloads.
import json
import sys

from standardwebhooks.webhooks import Webhook

wh = Webhook(sys.argv[1])
out = []
for d in json.load(sys.stdin):
    out.append(wh.verify(d["body"].encode(), d["headers"]))
json.dump(out, sys.stdout)
