#!/usr/bin/env bash
# Print the Python 3.10 interpreter for .venv-lava (lava-nc 0.10 needs >=3.10,<3.11 and numpy<2).
# Without 3.10 on the machine: with --lava, fail with a message; else print python3.
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
if [ "${1:-}" = "--lava" ]; then
    echo "find_python.sh: no Python 3.10 found (lava-nc 0.10 needs it); install python3.10" >&2
    echo false; exit 1
fi
command -v python3
