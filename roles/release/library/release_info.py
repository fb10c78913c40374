#!/usr/bin/python
# -*- coding: utf-8 -*-
# Role release: read the release history of the Podcast Digest stack on a host.
from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: release_info
short_description: Read the release history, the deploy lock and the last audit lines of the Podcast Digest stack
description:
  - Read-only. A host with no history gives an empty one.
options:
  dir: {description: The release directory., type: path, required: true}
  audit_log: {description: The audit log, whose last lines are returned., type: path}
  audit_lines: {description: How many of its last lines., type: int, default: 1}
  lock_timeout: {description: Seconds after which a lock is reported stale., type: int, default: 3600}
attributes:
  check_mode: {support: full, details: Read-only.}
author: podcast-digest-deploy
"""

RETURN = r"""
current: {description: The running release's id, or null., returned: always, type: str}
releases: {description: The kept releases, newest first., returned: always, type: list}
lock: {description: "The deploy lock (holder without token, age, stale), or null.", returned: always, type: dict}
audit: {description: The last audit lines, parsed, oldest first., returned: always, type: list}
"""

from ansible.module_utils.basic import AnsibleModule
from ansible.module_utils.release_store import history, last_audit, lock_state


def main():
    module = AnsibleModule(
        argument_spec=dict(
            dir=dict(type="path", required=True),
            audit_log=dict(type="path"),
            audit_lines=dict(type="int", default=1),
            lock_timeout=dict(type="int", default=3600),
        ),
        supports_check_mode=True,
    )
    p = module.params
    state = history(p["dir"])
    lock = lock_state(p["dir"], p["lock_timeout"])
    if lock:
        lock["holder"] = dict((k, v) for k, v in lock["holder"].items() if k != "token")
    module.exit_json(changed=False, current=state["current"], releases=state["releases"], lock=lock,
                     audit=last_audit(p["audit_log"], p["audit_lines"]) if p["audit_log"] else [])


if __name__ == "__main__":
    main()
