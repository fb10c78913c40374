// The stand-in's release. The lab tooling commits each lab release of this
// source tree with its own value here (molecule/resources/lab/source.sh).
export const VERSION = "0.0.0";
