#!/usr/bin/env bash
# ctest deploy.alert_rules: promtool (Debian package prometheus) checks the alert rules, unit-tests
# when each alert fires (alerts_test.yaml), and checks the compose file's prometheus.yml.
# Usage: check_alert_rules.sh REPO_DIR
set -euo pipefail
repo=$(cd "${1:?usage: $0 REPO_DIR}" && pwd)
if ! command -v promtool >/dev/null 2>&1; then
  echo "check_alert_rules.sh: promtool not found (Debian package prometheus)" >&2
  exit 1
fi
cd "$repo"
promtool check rules deploy/prometheus/hearth-alerts.yaml
# --syntax-only: the rule_files glob names a path inside the Prometheus container.
promtool check config --syntax-only docker/prometheus/prometheus.yml
cd tests/deploy
promtool test rules alerts_test.yaml
