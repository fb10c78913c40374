# Copyright: podcast-digest-deploy contributors
# MIT License (see the roles' meta/main.yml)
"""Prepare the controller's heap before Ansible forks each task's worker.

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

Each worker also built, on its first filter or test, the table of every
ansible.builtin Jinja filter and test plugin (reading and wrapping each
plugin file), and threw it away when it exited: about 15 ms of CPU per
task. Built once in the controller when the playbook starts, it is
inherited by every worker (and frozen with the rest). Measured on a no-op
deploy.yml on the lab host, 4 rounds interleaved: 15.9 -> 14.4 s of
controller CPU (user + system), each round lower.

Loaded without being enabled (it prints nothing): ansible.cfg names this
directory, and Ansible also finds it beside the playbooks under playbooks/.
"""

from __future__ import annotations

import gc

from ansible.plugins.callback import CallbackBase
from ansible.plugins.loader import filter_loader, test_loader

DOCUMENTATION = r"""
name: fork_gc
type: aggregate
short_description: Prepare the controller's heap before each task's worker is forked
description:
  - Loads the Jinja filter and test plugins once when the playbook starts, so
    every worker inherits them instead of loading them again.
  - Calls Python's gc.freeze() before Ansible forks the worker of each task,
    so the worker's garbage collections skip the inherited heap.
  - Changes no output and no result; only the controller's CPU time.
"""


class CallbackModule(CallbackBase):
    """Load the Jinja plugins once, and freeze the heap before each worker fork."""

    CALLBACK_VERSION = 2.0
    CALLBACK_TYPE = "aggregate"
    CALLBACK_NAME = "fork_gc"
    CALLBACK_NEEDS_ENABLED = False

    def v2_playbook_on_start(self, playbook):
        # Listing the plugins builds the loaders' tables of the builtin ones
        # (the first item is enough: the table is made whole before it).
        for loader in (filter_loader, test_loader):
            next(iter(loader.all()), None)

    def v2_runner_on_start(self, host, task):
        gc.freeze()
