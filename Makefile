# Two commands do all the set-up on a fresh machine: `make run` and `make test`.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
FLASK  := $(BIN)/flask --app app
HOST   ?= 127.0.0.1
PORT   ?= 5000

.PHONY: run test lint lock db seed clean assets screenshots

# Front-end assets from the npm registry: `npm ci` installs exactly package-lock.json, every package
# checked against its integrity hash; the files the pages use are copied under static/vendor/ (not
# committed) so that the app and nginx serve them like the rest of /static. axe-core stays in
# node_modules for the accessibility tests.
ASSETS := static/vendor/.installed
$(ASSETS): package-lock.json tools/system-deps.sh
	@bash tools/system-deps.sh npm
	@echo "==> 安装前端资源 (npm ci)"
	npm ci --no-audit --no-fund --loglevel=error
	@mkdir -p static/vendor
	cp node_modules/weui/dist/style/weui.min.css static/vendor/weui.min.css
	@touch $(ASSETS)
assets: $(ASSETS)

# Installs exactly what requirements-dev.lock pins, every file checked against its hash.
$(STAMP): requirements-dev.lock tools/system-deps.sh
	@bash tools/system-deps.sh
	@echo "==> 创建虚拟环境并安装依赖 ($(PYTHON))"
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --require-hashes -r requirements-dev.lock
	@touch $(STAMP)

# After editing requirements.txt or requirements-dev.txt (the direct pins): resolve both lock files
# again against PyPI itself, so the hashes cover every file PyPI serves for each pinned version.
LOCK := env -u PIP_FIND_LINKS PIP_CONFIG_FILE=/dev/null CUSTOM_COMPILE_COMMAND="make lock" $(BIN)/pip-compile --quiet --generate-hashes \
	--allow-unsafe --strip-extras --no-emit-index-url --no-emit-find-links
lock: $(STAMP)
	$(LOCK) --output-file requirements.lock requirements.txt
	$(LOCK) --output-file requirements-dev.lock requirements-dev.txt

db: $(STAMP) $(ASSETS)
	$(FLASK) db upgrade

seed: db
	$(FLASK) seed-demo --if-empty

run: seed
	@echo ""
	@echo "==> 青春志愿 演示服务: http://$(HOST):$(PORT)/"
	@echo "    管理后台:          http://$(HOST):$(PORT)/console/login"
	@echo "    团员手机页面:      http://$(HOST):$(PORT)/m/  (开发环境经沙箱选择微信用户)"
	@echo "    健康检查:          http://$(HOST):$(PORT)/healthz"
	@echo "    数据库: instance/qingchun.db (SQLite)，共享存储: 进程内，微信接口: 本地沙箱"
	@echo ""
	@echo "    定时任务: 在本进程内运行（无 Redis 时；EMBEDDED_SCHEDULER=1）"
	PUBLIC_BASE_URL="$${PUBLIC_BASE_URL:-http://$(HOST):$(PORT)}" EMBEDDED_SCHEDULER=1 $(FLASK) run --host $(HOST) --port $(PORT)

test: $(STAMP) $(ASSETS)
	@bash tools/system-deps.sh fonts chromium nginx wrk
	$(BIN)/python -m pytest

# Every console and phone page of the demo at 375 and 1366 px, checked with axe-core on the way.
screenshots: $(STAMP) $(ASSETS)
	@bash tools/system-deps.sh chromium
	$(BIN)/python -m pytest -q tests/browser/test_every_page.py -k sqlite
	@echo "==> 截图: test-artifacts/screenshots/sqlite/tour/phone (375 px) 与 .../laptop (1366 px)"

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/lint-imports

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache node_modules static/vendor
