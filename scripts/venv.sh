# Sourced by scripts/demo and scripts/test: the project's virtual environment.
#
# `install_govern SPEC` makes .venv when it is missing and installs SPEC (e.g. ".[test]")
# into it, editable. Fast on a fresh machine: the venv is made without its bundled
# (old, slow) pip, the current pip is installed by the system's, and byte-compiling
# runs on every core afterwards instead of file by file inside pip.

_make_venv() {
  if python3 -m venv --without-pip .venv \
    && python3 -m pip --python .venv/bin/python install --quiet --upgrade pip; then
    return
  fi
  rm -rf .venv  # the system pip is missing or too old for --python: the classic way
  python3 -m venv .venv
  .venv/bin/python -m pip install --quiet --upgrade pip
}

install_govern() {
  [ -x .venv/bin/python ] || _make_venv
  .venv/bin/python -m pip install --quiet --disable-pip-version-check --no-compile -e "$1"
  .venv/bin/python -m compileall -qq -j 0 .venv/lib >/dev/null 2>&1 || true
}
