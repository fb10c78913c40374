#!/usr/bin/python
# -*- coding: utf-8 -*-
# Role release: the deploy lock of the Podcast Digest stack on a host.
from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: release_lock
short_description: Take or release the deploy lock of the Podcast Digest stack
description:
  - The lock is the directory C(<dir>/lock), created with mkdir (atomic, exactly one concurrent
    taker wins); C(holder.json) in it says who holds it, from where, and since when.
  - C(state=present) takes it for I(holder); a lock held by another run is not taken: the
    module fails with a message naming the holder and what to do (C(acquired=false), with its
    holder, age and whether it is stale). A stale lock (older than I(timeout) seconds) is broken
    only with I(break_stale=true).
  - C(state=absent) releases it, only when I(token) holds it, never another run's lock.
  - Taking and releasing the lock within one run leaves the host as it was, so neither reports a
    change; breaking a stale lock does.
options:
  dir: {description: The release directory., type: path, required: true}
  state: {description: Take (present) or release (absent) the lock., type: str, choices: [present, absent], default: present}
  holder: {description: Who takes it (operator, origin, playbook, commit, token)., type: dict, default: {}}
  token: {description: The run's token; required to release., type: str, no_log: true}
  timeout: {description: Seconds after which a lock is stale., type: int, default: 3600}
  break_stale: {description: Break a stale lock., type: bool, default: false}
attributes:
  check_mode: {support: full, details: Reports whether the lock would be taken or released and changes nothing.}
author: podcast-digest-deploy
"""

RETURN = r"""
acquired: {description: Whether the lock was taken (present)., returned: state=present, type: bool}
released: {description: Whether the lock was released (absent)., returned: state=absent, type: bool}
holder: {description: The holder written (taken) or found (not taken), without its token., returned: always, type: dict}
age: {description: Seconds the found lock has been held., returned: state=present, type: int}
stale: {description: Whether the found lock is older than timeout., returned: state=present, type: bool}
broken: {description: The holder of the stale lock that was broken, or null., returned: state=present, type: dict}
"""

from ansible.module_utils.basic import AnsibleModule
from ansible.module_utils.release_store import lock_state, release_lock, take_lock


def public(holder):
    """A holder as shown: never its token."""
    if not holder:
        return holder
    return dict((k, v) for k, v in holder.items() if k != "token")


def main():
    module = AnsibleModule(
        argument_spec=dict(
            dir=dict(type="path", required=True),
            state=dict(type="str", choices=["present", "absent"], default="present"),
            holder=dict(type="dict", default={}),
            token=dict(type="str", no_log=True),
            timeout=dict(type="int", default=3600),
            break_stale=dict(type="bool", default=False),
        ),
        required_if=[("state", "absent", ["token"])],
        supports_check_mode=True,
    )
    p = module.params
    if p["state"] == "absent":
        if module.check_mode:
            found = lock_state(p["dir"], p["timeout"])
            mine = bool(found) and found["holder"].get("token") == p["token"]
            module.exit_json(changed=False, released=mine, holder=public(found["holder"] if found else None))
        result = release_lock(p["dir"], p["token"])
        module.exit_json(changed=False, released=result["released"], holder=public(result["holder"]))

    holder = dict(p["holder"])
    if "token" not in holder and p["token"]:
        holder["token"] = p["token"]
    if module.check_mode:
        found = lock_state(p["dir"], p["timeout"])
        if found is None:
            module.exit_json(changed=False, acquired=True, holder=public(holder), age=0, stale=False, broken=None)
        breaks = found["stale"] and p["break_stale"]
        module.exit_json(changed=breaks, acquired=breaks, holder=public(found["holder"]), age=found["age"],
                         stale=found["stale"], broken=public(found["holder"]) if breaks else None)
    result = take_lock(p["dir"], holder, p["timeout"], p["break_stale"])
    out = dict(changed=result["broken"] is not None, acquired=result["acquired"], holder=public(result["holder"]),
               age=result["age"], stale=result["stale"], broken=public(result["broken"]))
    if not result["acquired"]:
        module.fail_json(msg=refusal(p["dir"], result, p["timeout"]), **out)
    module.exit_json(**out)


def refusal(directory, result, timeout):
    """Who holds the lock, and what the operator can do."""
    h = result["holder"]
    held = ("Deploy refused: the deploy lock %s/lock is held by %s from %s (%s, commit %s) since %s, %s s ago. "
            % (directory, h.get("operator", "?"), h.get("origin", "?"), h.get("playbook", "?"), h.get("commit", "?"),
               h.get("time", "?"), result["age"]))
    if result["stale"]:
        return held + ("It is older than release_lock_timeout (%s s): if that run is dead, break it with "
                       "-e release_break_lock=true (docs/runbooks/break-stale-lock.md)." % timeout)
    return held + "Wait for that run to finish and try again."


if __name__ == "__main__":
    main()
