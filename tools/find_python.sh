#!/usr/bin/env bash
# Print the interpreter for the development venv: Python 3.10 when it can be
# found (lava-nc needs 3.10 and numpy<2), else python3.
set -u
if command -v python3.10 >/dev/null 2>&1 && python3.10 -c 'import sys' >/dev/null 2>&1; then
    command -v python3.10; exit 0
fi
if command -v pyenv >/dev/null 2>&1; then
    v=$(pyenv versions --bare 2>/dev/null | grep -E '^3\.10(\.[0-9]+)?$' | sort -V | tail -1)
    if [ -n "$v" ]; then
        p=$(PYENV_VERSION="$v" pyenv which python 2>/dev/null)
        if [ -n "$p" ] && "$p" -c 'import sys' >/dev/null 2>&1; then echo "$p"; exit 0; fi
    fi
fi
command -v python3
