#!/usr/bin/env bash
# The build scenario's source repository: a copy of the lab's stand-in source
# (served by the lab's git server as git://git.lab/build-scenario.git) with
# two more releases on top of v1.0.0:
#   v1.0.1               one line changed (the backend's version)
#   v1.0.1-syntax-error  a syntax error in the backend's source
# Usage: scenario-repo.sh <lab state dir>
set -euo pipefail
state=$1
lab_repo=$state/git/podcast-digest-agent.git
repo=$state/git/build-scenario.git
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
export GIT_AUTHOR_NAME="Build Scenario" GIT_AUTHOR_EMAIL=build@podcast.lab.test \
  GIT_COMMITTER_NAME="Build Scenario" GIT_COMMITTER_EMAIL=build@podcast.lab.test
git clone -q "$lab_repo" "$work/src"
git -C "$work/src" checkout -q v1.0.0
sed -i -E 's/^VERSION = .*/VERSION = "1.0.1"/' "$work/src/server/src/version.py"
git -C "$work/src" commit -q -am "Release 1.0.1: one line"
git -C "$work/src" tag v1.0.1
printf '\ndef broken(:\n' >>"$work/src/server/src/main.py"
git -C "$work/src" commit -q -am "A syntax error"
git -C "$work/src" tag v1.0.1-syntax-error
rm -rf "$repo.tmp" "$repo"
git clone -q --bare "$work/src" "$repo.tmp"
git -C "$repo.tmp" fetch -q "$work/src" 'refs/tags/*:refs/tags/*'
chmod -R a+rX "$repo.tmp"
mv "$repo.tmp" "$repo"
git -C "$repo" tag --list
