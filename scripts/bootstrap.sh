#!/usr/bin/env bash
# scripts/bootstrap.sh — set up everything perfkit needs, idempotently.
#
#   scripts/bootstrap.sh                  .venv + perfkit[test] + Jupyter kernel + a Chinese font
#   scripts/bootstrap.sh --with-browser   ... and headless Chromium (needed by the tests)
#
# Target: a fresh Debian 12 machine with only Python 3.11, as root (or with sudo).
# System packages come from apt; Python packages from PyPI into a project-local .venv.
# A re-run with nothing to do installs nothing and takes a few seconds.
#
# Environment:
#   PERFKIT_PYTHON=/path/to/python   interpreter for a new .venv (default: python3.11, else python3 >= 3.11)
#
# The functions below can also be used one at a time: `source scripts/bootstrap.sh` defines
# them without running anything.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
VENV="$ROOT/.venv"
VPY="$VENV/bin/python"
STAMP="$VENV/.perfkit-install-stamp"   # hash of pyproject.toml (+ install spec, Python version)
INSTALL_SPEC=".[test]"
KERNEL_NAME="python3"
KERNEL_DISPLAY="Python 3 (perfkit)"
# WenQuanYi Micro Hei: 1.6 MB download (fonts-noto-cjk is 56 MB), full GB2312/GBK coverage,
# a single .ttc that matplotlib, fontconfig and Chromium all use. WenQuanYi Zen Hei (7.5 MB) adds all of
# CJK Extension A, the rare characters of place and personal names (㮾 U+3BBE, 䶮 U+4DAE) that GBK fonts
# lack: charts fall back to it for those (perfkit.report.plots.cover_text) instead of leaving blanks.
CJK_FONT_PKGS=(fontconfig fonts-wqy-microhei fonts-wqy-zenhei)
RARE_CHARSET="3bbe 4dae"  # fc-list charset: a font holding these covers Extension A's place-name characters
BROWSER_PKGS=(chromium)

APT_UPDATED=0

say() { printf '[bootstrap] %s\n' "$*"; }
die() {
  printf '[bootstrap] ERROR: %s\n' "$1" >&2
  shift
  local line
  for line in "$@"; do printf '[bootstrap]        %s\n' "$line" >&2; done
  exit 1
}

# run_logged LABEL CMD...: run CMD with its output in a log file; on failure show the log's tail and die.
run_logged() {
  local label="$1"; shift
  local log rc
  log="$(mktemp "${TMPDIR:-/tmp}/perfkit-bootstrap.XXXXXX")"
  "$@" >"$log" 2>&1 && { rm -f "$log"; return 0; }
  rc=$?
  {
    printf '[bootstrap] ---- last lines of the output of: %s ----\n' "$label"
    tail -n 40 "$log"
    printf '[bootstrap] ---- end ----\n'
  } >&2
  die "$label failed (exit $rc); full output in $log"
}

# ---------------------------------------------------------------------------------------------
# apt

# apt_install WHAT PKG...: install Debian packages; WHAT says in words what they are for.
apt_install() {
  local what="$1"; shift
  local pkgs="$*"
  if ! command -v apt-get >/dev/null 2>&1; then
    die "missing: $what, and apt-get is not available to install it." \
        "Install the Debian/Ubuntu package(s) '$pkgs' (or your system's equivalent) yourself," \
        "e.g. as root: apt-get install -y $pkgs — then run this again."
  fi
  local -a sudo=()
  if [ "$(id -u)" -ne 0 ]; then
    if ! command -v sudo >/dev/null 2>&1; then
      die "missing: $what. Installing it needs root, but you are not root and sudo is not available." \
          "Ask an administrator to run: apt-get install -y $pkgs — then run this again."
    fi
    if [ -t 0 ]; then
      sudo=(sudo)
    elif sudo -n true >/dev/null 2>&1; then
      sudo=(sudo -n)
    else
      die "missing: $what. Installing it needs root; sudo wants a password and there is no terminal to ask." \
          "Run once, interactively: sudo apt-get install -y $pkgs — then run this again."
    fi
  fi
  local -a apt=(${sudo[@]+"${sudo[@]}"} env DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=300)
  if [ "$APT_UPDATED" -eq 0 ]; then
    say "apt: updating package lists"
    run_logged "apt-get update" "${apt[@]}" update
    APT_UPDATED=1
  fi
  say "apt: installing $pkgs ($what)"
  run_logged "apt-get install $pkgs" "${apt[@]}" install -y --no-install-recommends "$@"
}

# ---------------------------------------------------------------------------------------------
# Python and the virtual environment

py_version() { "$1" -c 'import sys; print("%d.%d.%d" % sys.version_info[:3])' 2>/dev/null; }
py_ok() { "$1" -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else 1)' >/dev/null 2>&1; }

# find_python: set PY to the interpreter for a new venv.
find_python() {
  if [ -n "${PERFKIT_PYTHON:-}" ]; then
    py_ok "$PERFKIT_PYTHON" || die "PERFKIT_PYTHON=$PERFKIT_PYTHON is not a working Python >= 3.11."
    PY="$PERFKIT_PYTHON"
  elif command -v python3.11 >/dev/null 2>&1 && py_ok python3.11; then
    PY="$(command -v python3.11)"
  elif command -v python3 >/dev/null 2>&1 && py_ok python3; then
    PY="$(command -v python3)"
  else
    local found="none"
    command -v python3 >/dev/null 2>&1 && found="python3 is $(py_version python3 || echo unusable)"
    die "missing: Python >= 3.11 (looked for python3.11, then python3; $found)." \
        "On Debian 12, as root: apt-get install -y python3 python3-venv — then run this again."
  fi
}

# venv_pkg_for PY: the Debian package that provides ensurepip for PY, or nothing if PY is not Debian's.
venv_pkg_for() {
  local real mm
  real="$(readlink -f "$(command -v "$1")")"
  command -v dpkg >/dev/null 2>&1 && dpkg -S "$real" >/dev/null 2>&1 || return 0
  mm="$("$1" -c 'import sys; print("%d.%d" % sys.version_info[:2])')"
  echo "python${mm}-venv"
}

ensure_venv() {
  if [ -x "$VPY" ] && py_ok "$VPY" && "$VPY" -m pip --version >/dev/null 2>&1; then
    say "venv: using .venv (Python $(py_version "$VPY"))"
    return 0
  fi
  if [ -e "$VENV" ]; then
    [ -f "$VENV/pyvenv.cfg" ] || die "$VENV exists but is not a virtual environment; move it away and run this again."
    say "venv: .venv is broken, has no pip or is older than Python 3.11; recreating it"
    rm -rf "$VENV"
  fi
  find_python
  say "venv: creating .venv with $PY (Python $(py_version "$PY"))"
  if "$PY" -m venv "$VENV" >/dev/null 2>&1; then return 0; fi
  rm -rf "$VENV"
  if "$PY" -c 'import ensurepip, venv' >/dev/null 2>&1; then
    run_logged "$PY -m venv .venv" "$PY" -m venv "$VENV"   # some other failure: show it
    return 0
  fi
  local pkg
  pkg="$(venv_pkg_for "$PY")"
  [ -n "$pkg" ] || die "missing: the venv/ensurepip modules of $PY, which is not from a Debian package." \
                       "Reinstall that Python with ensurepip, or point PERFKIT_PYTHON at Debian's python3.11" \
                       "(apt-get install -y python3.11 python3.11-venv), then run this again."
  apt_install "Python's venv module (ensurepip) for $PY" "$pkg"
  say "venv: creating .venv with $PY (retry after installing $pkg)"
  run_logged "$PY -m venv .venv" "$PY" -m venv "$VENV"
}

# ---------------------------------------------------------------------------------------------
# The package, the Jupyter kernel

install_hash() {
  { cat "$ROOT/pyproject.toml"; echo "spec=$INSTALL_SPEC"; py_version "$VPY"; } | sha256sum | cut -d' ' -f1
}

ensure_package() {
  local want
  want="$(install_hash)"
  if [ -f "$STAMP" ] && [ "$(cat "$STAMP")" = "$want" ] && [ -x "$VENV/bin/perfkit" ] &&
     "$VPY" -c 'import importlib.metadata as m; m.distribution("perfkit")' >/dev/null 2>&1; then
    say "package: perfkit with extras $INSTALL_SPEC is installed and pyproject.toml is unchanged; skipping pip"
    return 0
  fi
  say "package: pip install -e '$INSTALL_SPEC' into .venv (minutes on a fresh machine)"
  rm -f "$STAMP"
  (cd "$ROOT" && run_logged "pip install -e '$INSTALL_SPEC'" \
     "$VPY" -m pip install --disable-pip-version-check --progress-bar off -e "$INSTALL_SPEC")
  [ -x "$VENV/bin/perfkit" ] || die "pip finished but .venv/bin/perfkit is missing (is [project.scripts] perfkit in pyproject.toml?)"
  echo "$want" >"$STAMP"
}

ensure_kernel() {
  local spec="$VENV/share/jupyter/kernels/$KERNEL_NAME/kernel.json"
  if [ -f "$spec" ] && "$VPY" - "$spec" "$VPY" "$KERNEL_DISPLAY" <<'EOF'
import json, os, sys
spec = json.load(open(sys.argv[1], encoding="utf-8"))
ok = spec.get("argv", [""])[0] == sys.argv[2] and spec.get("display_name") == sys.argv[3]
sys.exit(0 if ok else 1)
EOF
  then
    say "kernel: Jupyter kernel '$KERNEL_NAME' in .venv is registered"
    return 0
  fi
  say "kernel: registering Jupyter kernel '$KERNEL_NAME' (\"$KERNEL_DISPLAY\") in .venv"
  run_logged "ipykernel install" "$VPY" -m ipykernel install --sys-prefix \
    --name "$KERNEL_NAME" --display-name "$KERNEL_DISPLAY"
}

# ---------------------------------------------------------------------------------------------
# Fonts for Chinese text in charts

cjk_font_present() {
  command -v fc-list >/dev/null 2>&1 && [ -n "$(fc-list :lang=zh family 2>/dev/null)" ] &&
    [ -n "$(fc-list ":charset=$RARE_CHARSET" family 2>/dev/null)" ]
}

# ensure_cjk_font: install a Chinese font if fontconfig knows none. Sets FONT_INSTALLED=1 if it did.
FONT_INSTALLED=0
ensure_cjk_font() {
  if cjk_font_present; then
    say "fonts: Chinese font present ($(fc-list :lang=zh family | cut -d, -f1 | sort | head -n 1))"
    return 0
  fi
  apt_install "fonts that render Chinese text in charts, rare characters of names included" "${CJK_FONT_PKGS[@]}"
  cjk_font_present || die "installed ${CJK_FONT_PKGS[*]} but fc-list lists no font for Chinese (:lang=zh) or for 㮾/䶮 (:charset=$RARE_CHARSET)."
  FONT_INSTALLED=1
}

mpl_cachedir() { "$VPY" -c 'import matplotlib; print(matplotlib.get_cachedir())'; }

# mpl_sees_cjk: does matplotlib's font list (its cache) include a font that fontconfig says covers Chinese?
mpl_sees_cjk() {
  "$VPY" - <<'EOF' >/dev/null 2>&1
import os, subprocess, sys
out = subprocess.run(["fc-list", ":lang=zh", "file"], capture_output=True, text=True).stdout
files = {os.path.realpath(l.strip().rstrip(":")) for l in out.splitlines() if l.strip()}
import matplotlib.font_manager as fm
sys.exit(0 if any(os.path.realpath(f.fname) in files for f in fm.fontManager.ttflist) else 1)
EOF
}

clear_mpl_cache() {
  local dir
  dir="$(mpl_cachedir)"
  if [ -n "$dir" ] && [ "$dir" != "/" ] && [ -d "$dir" ]; then rm -rf "$dir"; fi
}

# ensure_mpl_font_cache: after a font install (or if the cache is stale), rebuild matplotlib's font cache.
ensure_mpl_font_cache() {
  if [ "$FONT_INSTALLED" -eq 1 ]; then
    say "fonts: clearing matplotlib's font cache so it picks up the new font"
    clear_mpl_cache
  elif mpl_sees_cjk; then
    say "fonts: matplotlib sees the Chinese font"
    return 0
  else
    say "fonts: matplotlib's font cache predates the Chinese font; clearing it"
    clear_mpl_cache
  fi
  mpl_sees_cjk || die "matplotlib does not see any font that fc-list :lang=zh lists, even with a fresh cache ($(mpl_cachedir))."
}

# ---------------------------------------------------------------------------------------------
# Headless Chromium (tests only)

ensure_browser() {
  if command -v chromium >/dev/null 2>&1 && chromium --version >/dev/null 2>&1; then
    say "browser: $(chromium --version 2>/dev/null | head -n 1) present"
    return 0
  fi
  apt_install "headless Chromium, which a test opens generated HTML in" "${BROWSER_PKGS[@]}"
  chromium --version >/dev/null 2>&1 || die "installed ${BROWSER_PKGS[*]} but 'chromium --version' does not run."
}

# ---------------------------------------------------------------------------------------------

usage() { sed -n '2,12p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'; }

main() {
  local with_browser=0 arg
  for arg in "$@"; do
    case "$arg" in
      --with-browser) with_browser=1 ;;
      -h|--help) usage; return 0 ;;
      *) die "unknown option: $arg (try --help)" ;;
    esac
  done
  cd "$ROOT"
  # System packages first, so a missing root/apt fails before minutes of pip.
  ensure_venv
  ensure_cjk_font
  if [ "$with_browser" -eq 1 ]; then ensure_browser; fi
  ensure_package
  ensure_kernel
  ensure_mpl_font_cache
  say "ready"
}

if [[ "${BASH_SOURCE[0]}" == "$0" ]]; then
  main "$@"
fi
