"""Swarm placement constraints, evaluated as swarm evaluates them.

One evaluator for the stack role's two questions: which inventory nodes a
service may run on (the preflight, tasks/validate-swarm.yml) and which live
nodes it may run on now (the re-spread, tasks/swarm.yml). A node is either
the inventory's ({host, role, labels}: stack_swarm_nodes) or the swarm's
(docker_swarm_info's nodes: Spec.Role, Spec.Labels, Description.Hostname).

Swarm's rules (moby/swarmkit, manager/constraint/constraint.go: Parse and
NodeMatches): the key and the value compare case-insensitively, a label's
name case-sensitively; a node without the label has the empty value, so
`!=` matches it and `==` does not.
"""

import re

from ansible.errors import AnsibleFilterError

# swarmkit's own syntax (Parse): the first of == and != splits key and value,
# each trimmed; a key of letters, digits, "-", "_" and "."; a value of
# letters, digits, spaces and : - _ . * ( ) ? + [ ] \ ^ $ | /. Anything else
# swarm refuses, so the stack does not guess at it.
_KEY = re.compile(r"[a-z_][a-z0-9\-_.]+", re.IGNORECASE)
_VALUE = re.compile(r"[a-z0-9:\-_\s.*()?+\[\]\\^$|/]+", re.IGNORECASE)
_LABELS = "node.labels."


def _parse(constraint):
    """{field, label, equal, value} for a constraint the stack can evaluate
    (node.labels.<name>, node.role, node.hostname), else None."""
    text = str(constraint)
    for operator in ("==", "!="):
        if operator not in text:
            continue
        key, value = (part.strip() for part in text.split(operator, 1))
        if not _KEY.fullmatch(key) or not _VALUE.fullmatch(value):
            return None
        if len(key) > len(_LABELS) and key[:len(_LABELS)].lower() == _LABELS:
            field, label = "labels", key[len(_LABELS):]
        elif key.lower() in ("node.role", "node.hostname"):
            field, label = key.lower()[len("node."):], None
        else:
            return None
        return {"field": field, "label": label, "equal": operator == "==", "value": value}
    return None


def swarm_unsupported_constraints(constraints, hostname=True):
    """The constraints the stack cannot evaluate (hostname=False: node.hostname too)."""
    out = []
    for constraint in constraints or []:
        parsed = _parse(constraint)
        if parsed is None or (not hostname and parsed["field"] == "hostname"):
            out.append(constraint)
    return out


def swarm_constraint_labels(constraints):
    """The node labels the constraints name, each once, in order."""
    out = []
    for constraint in constraints or []:
        parsed = _parse(constraint)
        if parsed and parsed["field"] == "labels" and parsed["label"] not in out:
            out.append(parsed["label"])
    return out


def _value(node, parsed):
    if "Spec" in node:
        spec = node["Spec"] or {}
        value = {
            "labels": (spec.get("Labels") or {}).get(parsed["label"]),
            "role": spec.get("Role"),
            "hostname": (node.get("Description") or {}).get("Hostname"),
        }[parsed["field"]]
    elif parsed["field"] == "labels":
        value = (node.get("labels") or {}).get(parsed["label"])
    else:
        value = node.get(parsed["field"])
    return "" if value is None else str(value)


def swarm_nodes_meeting(nodes, constraints):
    """The nodes that meet every constraint, in their order."""
    parsed = [_parse(constraint) for constraint in constraints or []]
    bad = [constraint for constraint, p in zip(constraints or [], parsed) if p is None]
    if bad:
        raise AnsibleFilterError("swarm_nodes_meeting: cannot evaluate the constraint(s) %s" % ", ".join(map(str, bad)))
    return [
        node
        for node in nodes or []
        if all((_value(node, p).lower() == p["value"].lower()) == p["equal"] for p in parsed)
    ]


class FilterModule:
    """Swarm placement filters of the stack role."""

    def filters(self):
        return {
            "swarm_unsupported_constraints": swarm_unsupported_constraints,
            "swarm_constraint_labels": swarm_constraint_labels,
            "swarm_nodes_meeting": swarm_nodes_meeting,
        }
