"""The stand-in's release. The lab tooling commits each lab release of this
source tree with its own values here (molecule/resources/lab/source.sh):
1.0.0, 2.0.0, and 2.1.0-broken, whose health check fails."""

VERSION = "0.0.0"
BROKEN = False
