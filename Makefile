# Quick start: `make demo` (set up + run the demo), `make test` (set up + run the tests).
# Both create .venv, install the Python dependencies and, on Debian/Ubuntu as root, the
# system packages (CJK fonts, LibreOffice for the Word round-trip tests, PostgreSQL for the
# tests that run on both databases).
# Another Python: `make test PYTHON=python3.13` (each such Python its own venv, .venv-3.13).
# `make ci` runs the suite on the lowest and the highest supported Python (see .ci/run).

PYTHON ?= python3
PY_VERSION := $(shell $(PYTHON) -c 'import sys; print("%d.%d" % sys.version_info[:2])' 2>/dev/null)
# .venv for the default python3; a Python named on the command line gets its own .venv-3.X.
ifeq ($(origin PYTHON),file)
VENV ?= .venv
else
VENV ?= .venv-$(PY_VERSION)
endif
BIN := $(VENV)/bin
# CI: the full suite on the highest Python and, at the same time, the suite without `slow`
# tests on the lowest (what differs there is the language and the wheels, which the quick
# tier already imports and runs; the slow tier is OCR, LibreOffice and packaging). Side by side
# on 2 cores they take 13.5 min (README, Development); --output-sync prints each run whole.
PYTHON_LOWEST ?= python3.10
PYTHON_HIGHEST ?= python3.13
# The systems that ship them, for a machine that has neither: Ubuntu 22.04 and Debian 13.
ROOT_LOWEST ?= jammy
ROOT_HIGHEST ?= trixie
PYTEST_ARGS ?=
# Test processes (pytest-xdist): most tests use one core, so one per core halves the suite's time.
PYTEST_WORKERS ?= auto
# libgl1, libglib2.0-0: shared libraries opencv-python's cv2 links (a slim system lacks them;
# `jiafang doctor` names them too). Debian 13 and Ubuntu 24.04 call the latter libglib2.0-0t64,
# which provides libglib2.0-0: `apt` below counts either name as installed.
APT_RUNTIME := fonts-wqy-zenhei fonts-hanazono fonts-arphic-ukai fonts-arphic-uming libgl1 libglib2.0-0
# postgresql: its initdb/pg_ctl start a throw-away cluster for the PostgreSQL half of the suite
# (tests/pg_support.py); the system service it installs is not used.
APT_TEST := $(APT_RUNTIME) libreoffice-writer-nogui poppler-utils chromium postgresql
# Installed where the system's packages have them, else named and left out: Ubuntu ships Chromium
# only as a snap (its "chromium" package has no candidate), and the browser tests skip without it.
APT_OPTIONAL := chromium
# Handwriting fonts the recognition was not tuned on (bench/ingest.py --hand-font).
APT_BENCH := $(APT_TEST) fonts-lxgw-wenkai fonts-seto fonts-klee

.PHONY: demo test lint ci ci-lowest ci-highest bench setup lock system-deps system-deps-test system-deps-bench apt clean

demo: system-deps setup
	$(BIN)/jiafang doctor
	$(BIN)/jiafang demo --out jiafang-demo

test: system-deps-test setup lint
	$(BIN)/pytest -q -n $(PYTEST_WORKERS) --dist worksteal --durations=15 $(PYTEST_ARGS)

# Static checks (config in pyproject.toml): ruff on the whole tree, mypy on the package (strict on
# model, store and validate). Each venv keeps its own mypy cache: `make ci` runs two at once.
lint: setup
	$(BIN)/ruff check --quiet .
	$(BIN)/mypy --cache-dir $(VENV)/.mypy_cache pipeline

ci: system-deps-test
	$(MAKE) --no-print-directory -j2 --output-sync=recurse ci-lowest ci-highest

ci-lowest:
	$(call test_on,$(PYTHON_LOWEST),$(ROOT_LOWEST),-m "not slow")

ci-highest:
	$(call test_on,$(PYTHON_HIGHEST),$(ROOT_HIGHEST),)

# `make test` on Python $(1), here if this machine has it (on PATH or from pyenv), else inside the
# system $(2) that ships it (.ci/chroot: built once with debootstrap, as root), with pytest
# arguments $(3).
define test_on
	+@py=$$(.ci/find-python $(1)); \
	if [ -n "$$py" ]; then \
	  $(MAKE) --no-print-directory test PYTHON=$$py PYTEST_ARGS='$(3)'; \
	else \
	  echo "本机没有 $(1)：在 $(2) 系统中运行（.ci/chroot）。"; \
	  .ci/chroot $(2) make --no-print-directory test PYTHON=$(1) PYTEST_ARGS='$(3)'; \
	fi
endef

bench: system-deps-bench setup
	$(BIN)/python bench/run.py

setup: $(VENV)/.installed

# constraints.txt pins every package, for each supported Python, so two installs a month apart
# get the same versions; `make lock` refreshes it.
$(VENV)/.installed: pyproject.toml constraints.txt
	@$(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 10))' || \
	  { echo "需要 Python 3.10 或更高版本（$(PYTHON)：$$($(PYTHON) --version 2>&1 || echo 未找到)）。可用 make test PYTHON=python3.12 指定。"; exit 1; }
	@$(PYTHON) -m venv $(VENV) || \
	  { echo "无法创建虚拟环境。Debian/Ubuntu 请先安装：apt-get install python3-venv"; exit 1; }
	$(BIN)/pip install -q --upgrade pip
	@# A venv from before the one OpenCV wheel: headless shares opencv-python's cv2 folder, so both go
	@# and the install below puts opencv-python back whole.
	@if $(BIN)/pip show -q opencv-python-headless 2>/dev/null; then $(BIN)/pip uninstall -q -y opencv-python-headless opencv-python; fi
	$(BIN)/pip install -q -c constraints.txt -e '.[test]'
	@touch $@

# Re-resolves constraints.txt from pyproject.toml for Python 3.10-3.13 on every platform (markers
# where a version differs per Python), to the newest versions pyproject.toml allows.
# `make lock LOCK_ARGS=` only follows a change of pyproject.toml and keeps every other pin.
LOCK_ARGS ?= --upgrade
lock: setup
	$(BIN)/pip install -q 'uv>=0.9,<1'
	$(BIN)/uv pip compile -q pyproject.toml --extra test --extra postgres --extra district --universal \
	  --python-version 3.10 --custom-compile-command 'make lock' $(LOCK_ARGS) -o constraints.txt

system-deps:
	@$(MAKE) --no-print-directory apt PACKAGES="$(APT_RUNTIME)"

system-deps-test:
	@$(MAKE) --no-print-directory apt PACKAGES="$(APT_TEST)" OPTIONAL="$(APT_OPTIONAL)"

system-deps-bench:
	@$(MAKE) --no-print-directory apt PACKAGES="$(APT_BENCH)" OPTIONAL="$(APT_OPTIONAL)"

# Installs missing Debian packages when run as root; otherwise says what to install.
apt:
	@missing=""; \
	if command -v dpkg >/dev/null 2>&1; then \
	  for p in $(PACKAGES); do dpkg -s $$p >/dev/null 2>&1 || dpkg -s $${p}t64 >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	else \
	  echo "提示：不是 Debian/Ubuntu 系统，请自行安装中文 TrueType 字体（文泉驿正黑、花园明朝等），或用 JIAFANG_FONTS 指定字体文件。"; exit 0; \
	fi; \
	drop_unavailable() { \
	  for p in $(OPTIONAL); do \
	    case " $$missing " in *" $$p "*) \
	      policy=$$(apt-cache policy $$p 2>/dev/null); \
	      if echo "$$policy" | grep -q 'Candidate: (none)' || { [ "$$1" = after-update ] && ! echo "$$policy" | grep -q Candidate; }; then \
	        echo "提示：软件源中没有 $$p（Ubuntu 只提供 snap 版），不安装；用到它的测试将跳过。"; \
	        missing=$$(echo " $$missing " | sed "s/ $$p / /"); \
	      fi;; \
	    esac; \
	  done; \
	  missing=$$(echo $$missing); \
	}; \
	drop_unavailable; \
	if [ -z "$$missing" ]; then exit 0; fi; \
	if [ "$$(id -u)" = 0 ]; then \
	  apt-get update -qq || { echo "apt-get update 失败，请检查软件源后重试。"; exit 1; }; \
	  drop_unavailable after-update; \
	  if [ -z "$$missing" ]; then exit 0; fi; \
	  echo "安装系统软件包：$$missing"; \
	  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $$missing >/dev/null || \
	    { echo "apt-get 安装失败：$$missing。请检查软件源后重试。"; exit 1; }; \
	else \
	  echo "缺少系统软件包：$$missing"; \
	  echo "请运行：sudo apt-get install $$missing  然后重新执行 make。"; exit 1; \
	fi

clean:
	rm -rf .venv .venv-3.* jiafang-demo bench/out .pytest_cache
