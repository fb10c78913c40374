"""The stack role's swarm placement evaluator (filter_plugins/swarm_placement.py)
and the two questions its vars ask of it (vars/swarm.yml): which inventory
nodes a service may run on (the preflight) and which services run on fewer
live nodes than they could (the re-spread)."""
import importlib.util
import json
import sys

import pytest

from conftest import ROOT, run

ROLE = ROOT / "roles" / "stack"
spec = importlib.util.spec_from_file_location("swarm_placement", ROLE / "filter_plugins" / "swarm_placement.py")
placement = importlib.util.module_from_spec(spec)
spec.loader.exec_module(placement)

INVENTORY = [
    {"host": "m1", "role": "manager", "labels": {"redis": "true", "edge": "true"}},
    {"host": "w1", "role": "worker", "labels": {"edge": "true"}},
    {"host": "w2", "role": "worker", "labels": {}},
]


def live(node_id, role, hostname, labels=None, state="ready", availability="active"):
    return {"ID": node_id, "Description": {"Hostname": hostname}, "Status": {"State": state, "Addr": "10.0.0.1"},
            "Spec": {"Role": role, "Labels": labels, "Availability": availability}}


def hosts(nodes):
    return [n.get("host") or n["ID"] for n in nodes]


@pytest.mark.parametrize("constraints, expected", [
    ([], ["m1", "w1", "w2"]),
    (["node.labels.redis == true"], ["m1"]),
    (["node.labels.edge==true", "node.role == worker"], ["w1"]),
    # A node without the label: != matches it, == does not (swarm's empty value).
    (["node.labels.edge != true"], ["w2"]),
    # Swarm compares the key and the value case-insensitively.
    (["NODE.ROLE == Manager"], ["m1"]),
    (["node.labels.edge == TRUE"], ["m1", "w1"]),
    # ... but a label's name case-sensitively.
    (["node.labels.EDGE == true"], []),
])
def test_inventory_nodes_meet_constraints_as_swarm_evaluates_them(constraints, expected):
    assert hosts(placement.swarm_nodes_meeting(INVENTORY, constraints)) == expected


def test_live_nodes_are_read_from_the_swarm_api_shape():
    nodes = [live("a", "manager", "pdd-swarm-1", {"redis": "true"}), live("b", "worker", "pdd-swarm-2", None),
             live("c", "worker", "pdd-swarm-3", {})]
    assert hosts(placement.swarm_nodes_meeting(nodes, ["node.hostname != pdd-swarm-3"])) == ["a", "b"]
    assert hosts(placement.swarm_nodes_meeting(nodes, ["node.labels.redis != true", "node.role==worker"])) == ["b", "c"]


@pytest.mark.parametrize("constraint, evaluable", [
    # swarm's syntax (Parse): the first of == and != splits, then the key and
    # the value must each match swarm's patterns.
    ("node.labels.zone == eu west", True),
    ("node.labels._private==1", True),
    ("node.labels.a==b!=c", False),
    ("node.labels.a!==b", False),
    ("node.labels.a == b,c", False),
    ("node.labels.a == ", False),
    ("node.labels. == x", False),
    ("node.labels == x", False),
])
def test_constraints_are_parsed_as_swarm_parses_them(constraint, evaluable):
    assert (placement.swarm_unsupported_constraints([constraint]) == []) == evaluable


def test_what_the_stack_cannot_evaluate_is_named_and_never_guessed():
    constraints = ["node.labels.a == b", "node.id == x", "engine.labels.os == linux", "node.hostname == h", "node.role = x"]
    assert placement.swarm_unsupported_constraints(constraints) == constraints[1:3] + constraints[4:]
    # Before a node joins, its hostname is unknown: the preflight refuses it.
    assert placement.swarm_unsupported_constraints(constraints, hostname=False) == constraints[1:]
    assert placement.swarm_constraint_labels(["node.labels.a == 1", "node.labels.b != 2", "node.role == worker",
                                              "node.labels.a != 3"]) == ["a", "b"]
    with pytest.raises(Exception, match="node.id == x"):
        placement.swarm_nodes_meeting(INVENTORY, ["node.id == x"])


def render(tmp_path, variables, expressions):
    """Render the role's vars/swarm.yml expressions with Ansible, on data."""
    (tmp_path / "input.json").write_text(json.dumps(variables))
    playbook = tmp_path / "render.yml"
    playbook.write_text(json.dumps([{
        "hosts": "localhost", "gather_facts": False,
        "vars_files": [str(ROLE / "vars" / "swarm.yml"), str(tmp_path / "input.json")],
        "tasks": [{"ansible.builtin.copy": {"dest": str(tmp_path / "out.json"),
                                            "content": "{{ %s | to_json }}" % json.dumps(expressions).replace('"', "")}}],
    }]))
    result = run(["ansible-playbook", "-i", "localhost,", "-c", "local", "-e", f"ansible_python_interpreter={sys.executable}",
                  str(playbook)],
                 env={"ANSIBLE_FILTER_PLUGINS": str(ROLE / "filter_plugins")})
    assert result.returncode == 0, result.stdout + result.stderr
    return json.loads((tmp_path / "out.json").read_text())


def test_the_preflight_names_unknown_labels_and_the_nodes_each_service_may_run_on(tmp_path):
    out = render(tmp_path, {
        "stack_project_name": "pdd", "__stack_services": ["backend", "frontend", "redis", "nginx"],
        "stack_swarm_nodes": INVENTORY,
        "stack_swarm_placement": {"redis": ["node.labels.redis == true"], "nginx": ["node.labels.edge == true"],
                                  "backend": ["node.labels.redis != true", "node.labels.gpu == yes"],
                                  "frontend": ["node.hostname == w1", "node.role == worker"]},
    }, ["__stack_swarm_bad_constraints", "__stack_swarm_placement_check"])
    bad, check = out
    assert bad == ["node.hostname == w1"]
    assert check["redis"] == {"unknown_labels": [], "nodes": ["m1"]}
    assert check["nginx"] == {"unknown_labels": [], "nodes": ["m1", "w1"]}
    assert check["backend"] == {"unknown_labels": ["gpu"], "nodes": []}
    # The constraint it cannot check is reported on its own, not evaluated.
    assert check["frontend"] == {"unknown_labels": [], "nodes": ["w1", "w2"]}


def service(service_id, name, replicas, constraints=(), spread=True):
    placement_spec = {"Constraints": list(constraints)}
    if spread:
        placement_spec["Preferences"] = [{"Spread": {"SpreadDescriptor": "node.id"}}]
    return {"ID": service_id, "Spec": {"Name": name, "Mode": {"Replicated": {"Replicas": replicas}},
                                       "TaskTemplate": {"Placement": placement_spec}}}


def tasks(service_id, *node_ids):
    return [{"ServiceID": service_id, "NodeID": n, "DesiredState": "running", "Status": {"State": "running"}}
            for n in node_ids]


def test_the_respread_names_only_services_on_fewer_nodes_than_they_could_run_on(tmp_path):
    nodes = [live("a", "manager", "pdd-swarm-1", {"redis": "true"}), live("b", "worker", "pdd-swarm-2"),
             live("c", "worker", "pdd-swarm-3"), live("d", "worker", "pdd-swarm-4", availability="drain"),
             live("e", "worker", "pdd-swarm-5", state="down")]
    services = [
        service("f", "pdd_frontend", 3),                                  # on a, b: c is free
        service("g", "pdd_balanced", 3),                                  # on a, b, c
        service("h", "pdd_workers", 2, ["node.role == worker"]),          # both on b: c is free
        service("i", "pdd_single", 1),                                    # one replica: nothing to spread
        service("j", "pdd_pinned", 2, ["node.hostname != pdd-swarm-3", "node.labels.redis != true"]),  # b only
        service("k", "pdd_unknown", 3, ["node.platform.os == linux"]),    # cannot evaluate: left alone
        service("l", "pdd_nospread", 3, spread=False),
    ]
    state = {"services": services,
             "tasks": tasks("f", "a", "a", "b") + tasks("g", "a", "b", "c") + tasks("h", "b", "b") + tasks("i", "a")
             + tasks("j", "b", "b") + tasks("k", "a", "a", "a") + tasks("l", "a", "a", "a")}
    out = render(tmp_path, {"stack_project_name": "pdd", "__stack_swarm_state": state,
                            "__stack_swarm_nodes_state": {"nodes": nodes}}, ["__stack_swarm_unspread"])
    assert out == [[{"name": "pdd_frontend", "replicas": 3, "missing": 1},
                    {"name": "pdd_workers", "replicas": 2, "missing": 1}]]
