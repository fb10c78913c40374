# Copyright: podcast-digest-deploy contributors
# MIT License (see the roles' meta/main.yml)
"""Freeze the controller's heap before Ansible forks each task's worker.

Ansible runs every task (a skipped one too) in a worker process forked from
the controller's. The worker inherits the whole heap (the inventory, the
variables, the loaded plugins), and when Python's cyclic garbage collector
runs a full collection in it, it walks every inherited object (and touching
each one copies its memory page). Measured on a no-op deploy.yml on the lab
host: 0.1-0.5 s on about one task in ten, 3-5 s of a 28 s run.
gc.freeze(), Python's remedy for fork-based servers (docs.python.org,
library/gc.html#gc.freeze), moves what exists before the fork into a
permanent generation that collections skip; objects made after it are
collected as before. Ansible sends v2_runner_on_start right before it starts
the worker, so freezing there covers every fork.

Loaded without being enabled (it prints nothing): ansible.cfg names this
directory, and Ansible also finds it beside the playbooks under playbooks/.
"""

from __future__ import annotations

import gc

from ansible.plugins.callback import CallbackBase

DOCUMENTATION = r"""
name: fork_gc
type: aggregate
short_description: Freeze the controller's heap before each task's worker is forked
description:
  - Calls Python's gc.freeze() before Ansible forks the worker of each task,
    so the worker's garbage collections skip the inherited heap.
  - Changes no output and no result; only the controller's CPU time.
"""


class CallbackModule(CallbackBase):
    """Freeze the heap before each worker fork."""

    CALLBACK_VERSION = 2.0
    CALLBACK_TYPE = "aggregate"
    CALLBACK_NAME = "fork_gc"
    CALLBACK_NEEDS_ENABLED = False

    def v2_runner_on_start(self, host, task):
        gc.freeze()
