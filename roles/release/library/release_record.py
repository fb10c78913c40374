#!/usr/bin/python
# -*- coding: utf-8 -*-
# Role release: record a release of the Podcast Digest stack on a host.
from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: release_record
short_description: Record the running release of the Podcast Digest stack in the host's history
description:
  - A release is the stack's images (each with its digest and image id) and the checksum of the
    files that make its configuration; its id is a hash of both, so deploying the same thing again
    is the same release and records nothing (no change).
  - A new release becomes C(current) and goes first in C(history.json); the newest I(keep) are
    kept, older ones are removed from the history, and the images only they used are returned in
    C(prune) (images of kept releases never are). A release recorded again (a rollback) keeps the
    time it was first made.
options:
  dir: {description: The release directory., type: path, required: true}
  images: {description: "Service -> {ref, digest, image_id}.", type: dict, required: true}
  config_files: {description: Files whose content identifies the configuration (a missing one counts as absent)., type: list, elements: path, default: []}
  keep: {description: Releases kept in the history., type: int, default: 5}
  info: {description: "What else to record: commit, operator, origin, action.", type: dict, default: {}}
  unlock_token:
    description:
      - This run's deploy lock token. When the release is unchanged (nothing recorded, nothing to prune or
        audit), the lock it holds is released in the same call, as C(release_lock state=absent) would (only
        when this token holds it). A changed release keeps the lock, for the audit entry written under it.
    type: str
attributes:
  check_mode: {support: full, details: Computes the id and what would be kept and pruned; writes nothing.}
author: podcast-digest-deploy
"""

RETURN = r"""
id: {description: The release's id., returned: always, type: str}
previous: {description: The release that was current before (the same id when unchanged)., returned: always, type: str}
config_sha256: {description: Checksum of the configuration files., returned: always, type: str}
dropped: {description: Ids that left the history., returned: always, type: list}
prune: {description: Image references only dropped releases used., returned: always, type: list}
unlocked: {description: Whether the lock of unlock_token was released., returned: always, type: bool}
unlocked_holder: {description: The holder of the lock released (without its token), or null., returned: always, type: dict}
"""

from ansible.module_utils.basic import AnsibleModule
from ansible.module_utils.release_store import config_checksum, plan_record, record, release_id, release_lock


def main():
    module = AnsibleModule(
        argument_spec=dict(
            dir=dict(type="path", required=True),
            images=dict(type="dict", required=True),
            config_files=dict(type="list", elements="path", default=[]),
            keep=dict(type="int", default=5),
            info=dict(type="dict", default={}),
            unlock_token=dict(type="str", no_log=True),
        ),
        supports_check_mode=True,
    )
    p = module.params
    if p["keep"] < 1:
        module.fail_json(msg="keep must be at least 1 (release_keep)")
    images = dict((service, {"ref": i.get("ref", ""), "digest": i.get("digest", ""), "image_id": i.get("image_id", "")})
                  for service, i in p["images"].items())
    config_sha256 = config_checksum(p["config_files"])
    release = dict(p["info"], id=release_id(images, config_sha256), images=images, config_sha256=config_sha256)
    result = (plan_record if module.check_mode else record)(p["dir"], release, p["keep"])
    unlocked = {"released": False, "holder": None}
    if p["unlock_token"] and not module.check_mode and not result["changed"] and not result["prune"]:
        unlocked = release_lock(p["dir"], p["unlock_token"])
    holder = unlocked["holder"] if unlocked["released"] else None
    module.exit_json(changed=result["changed"], id=result["id"], previous=result["previous"],
                     config_sha256=config_sha256, dropped=result["dropped"], prune=result["prune"],
                     unlocked=unlocked["released"],
                     unlocked_holder=dict((k, v) for k, v in holder.items() if k != "token") if holder else None)


if __name__ == "__main__":
    main()
