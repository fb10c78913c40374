#!/usr/bin/python
# -*- coding: utf-8 -*-
# Role release: bring a restored snapshot's release history and audit lines in.
from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: release_import
short_description: After a restore, bring a snapshot's release history and audit lines to the host
description:
  - Where the host has no release history (a new host), the snapshot's history (its C(<id>.json),
    C(history.json) and C(current)) comes in; a host with its own history keeps it (it is the truth
    about what ran there).
  - The snapshot's audit lines the host's audit log lacks are appended: the log stays append-only, a
    restore of an older snapshot never removes a line.
options:
  dir: {description: The host's release directory., type: path, required: true}
  src: {description: The restored snapshot's releases directory., type: path, required: true}
attributes:
  check_mode: {support: full, details: Says what would come in; writes nothing.}
author: podcast-digest-deploy
"""

RETURN = r"""
history: {description: "restored, kept the host's own, or none in the snapshot.", returned: always, type: str}
audit_added: {description: Audit lines appended (or that would be)., returned: always, type: int}
"""

from ansible.module_utils.basic import AnsibleModule
from ansible.module_utils.release_store import import_snapshot, plan_import


def main():
    module = AnsibleModule(
        argument_spec=dict(dir=dict(type="path", required=True), src=dict(type="path", required=True)),
        supports_check_mode=True,
    )
    p = module.params
    result = (plan_import if module.check_mode else import_snapshot)(p["dir"], p["src"])
    module.exit_json(changed=result["history"] == "restored" or len(result["audit_new"]) > 0,
                     history=result["history"], audit_added=len(result["audit_new"]))


if __name__ == "__main__":
    main()
