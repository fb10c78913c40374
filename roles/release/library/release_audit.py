#!/usr/bin/python
# -*- coding: utf-8 -*-
# Role release: append one line to the audit log of the Podcast Digest stack.
from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: release_audit
short_description: Append one entry to the append-only audit log of the Podcast Digest stack
description:
  - One JSON object per line, with the host's time first; the log is only ever opened for
    appending (created root-only, 0640).
options:
  path: {description: The audit log., type: path, required: true}
  entry: {description: "What happened: action, result, operator, origin, commit, release, message...", type: dict, required: true}
attributes:
  check_mode: {support: full, details: Reports the line it would append; writes nothing.}
author: podcast-digest-deploy
"""

RETURN = r"""
entry: {description: The entry appended (or that would be)., returned: always, type: dict}
"""

import json

from ansible.module_utils.basic import AnsibleModule
from ansible.module_utils.release_store import append_audit, audit_line


def main():
    module = AnsibleModule(
        argument_spec=dict(
            path=dict(type="path", required=True),
            entry=dict(type="dict", required=True),
        ),
        supports_check_mode=True,
    )
    p = module.params
    if module.check_mode:
        module.exit_json(changed=True, entry=json.loads(audit_line(p["entry"])))
    module.exit_json(changed=True, entry=append_audit(p["path"], p["entry"]))


if __name__ == "__main__":
    main()
