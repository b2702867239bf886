"""Validate a transcript of the policy protocol against docs/policy-protocol.schema.json
(tests/scenarios/policy_exec.sh): python3 validate.py SCHEMA IN OUT, where IN holds what cpnsim
sent (one message per line) and OUT what the policy answered.  Also checks the numbering (1, 2,
3, ... in IN; each reply carries the number of the place, migrate or hello it answers, in order).
Prints one line per message type seen; exit 0 valid, 1 not, 77 without python3-jsonschema."""
import json
import sys

try:
    import jsonschema
except ImportError:
    print("SKIP: python3-jsonschema is not installed")
    sys.exit(77)

schema_path, in_path, out_path = sys.argv[1:4]
schema = json.load(open(schema_path))
jsonschema.Draft202012Validator.check_schema(schema)


def validator(name):
    return jsonschema.Draft202012Validator({"$ref": "#/$defs/" + name, "$defs": schema["$defs"]})


validators = {k: validator(k) for k in schema["$defs"]}
seen = {}
asked = []
bad = 0
for i, line in enumerate(open(in_path), 1):
    msg = json.loads(line)
    t = msg.get("type")
    errors = list(validators[t].iter_errors(msg)) if t in validators else ["unknown type"]
    if msg.get("n") != i:
        errors.append("n is %r, not %d" % (msg.get("n"), i))
    for e in errors[:3]:
        print("cpnsim message %d (%s): %s" % (i, t, getattr(e, "message", e)))
        bad = 1
    seen[t] = seen.get(t, 0) + 1
    if t in ("hello", "place", "migrate"):
        asked.append(i)
for k, line in enumerate(open(out_path)):
    msg = json.loads(line)
    t = msg.get("type")
    name = "hello_reply" if t == "hello" else t
    errors = list(validators[name].iter_errors(msg)) if name in ("hello_reply", "decision") \
        else ["unknown type"]
    if k >= len(asked) or msg.get("n") != asked[k]:
        errors.append("n is %r, not the number of the message it answers" % msg.get("n"))
    for e in errors[:3]:
        print("reply %d (%s): %s" % (k + 1, t, getattr(e, "message", e)))
        bad = 1
    seen["reply " + name] = seen.get("reply " + name, 0) + 1
for t, n in sorted(seen.items()):
    print("%s %d" % (t, n))
sys.exit(bad)
