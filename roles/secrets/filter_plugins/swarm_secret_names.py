"""The names of the secrets role's swarm secrets.

A swarm secret cannot change, so each value becomes a secret of its own,
named after its content: a rotated value is a new name, and the services
that mount it roll to it. The name is visible to anyone who can list the
swarm's secrets or read a service's spec (a manager's API, a dashboard, a
log of `docker stack deploy`, a pasted `docker service inspect`), so it is
a keyed hash (HMAC-SHA256) of the name and the value: an unkeyed one would
let whoever reads the name test guesses of a short value offline. The key
is the environment's own secret (secrets_swarm_name_key, from the vault).
"""

import hashlib
import hmac

from ansible.errors import AnsibleFilterError

# Hex digits of the keyed hash kept in a name: 48 bits, so two values of one
# secret never collide in practice; the key, not the length, keeps the value
# from being guessed.
DIGITS = 12


def swarm_secret_names(values, prefix, key):
    """{name: '<prefix>_<name>_<12 hex of HMAC-SHA256(key, name:value)>'} for
    each name and value of `values`. The key must not be empty."""
    if not isinstance(values, dict):
        raise AnsibleFilterError("swarm_secret_names: the values must be a dict of name -> value")
    # A vault value YAML reads as a number is still a key: its text is used,
    # as the preflight's length check reads it.
    key = "" if key is None else str(key)
    if not key:
        raise AnsibleFilterError("swarm_secret_names: the key is empty (secrets_swarm_name_key)")
    key_bytes = key.encode("utf-8")
    return {
        name: "%s_%s_%s" % (prefix, name, hmac.new(key_bytes, ("%s:%s" % (name, value)).encode("utf-8"),
                                                   hashlib.sha256).hexdigest()[:DIGITS])
        for name, value in values.items()
    }


class FilterModule:
    """Swarm secret filters of the secrets role."""

    def filters(self):
        return {"swarm_secret_names": swarm_secret_names}
