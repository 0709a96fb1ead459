# Sourced by bin/run and bin/test: create the virtualenv once and install a requirements
# file when it changed since the last install.
VENV="${VENV:-.venv}"
REQUIREMENTS="$1"
if [ ! -x "$VENV/bin/python" ]; then
  "${PYTHON:-python3}" -m venv "$VENV"
  "$VENV/bin/pip" install -q --upgrade pip
fi
# shellcheck disable=SC1091
source "$VENV/bin/activate"
STAMP="$VENV/.installed-$(basename "$REQUIREMENTS")"
# The file itself and the files it includes with "-r"; other requirements files don't count.
INPUTS="$REQUIREMENTS $(sed -n 's/^-r[[:space:]]*//p' "$REQUIREMENTS")"
# shellcheck disable=SC2086
if [ ! -f "$STAMP" ] || [ -n "$(find $INPUTS -newer "$STAMP")" ]; then
  pip install -q -r "$REQUIREMENTS"
  touch "$STAMP"
fi
