#!/usr/bin/env bash
# System packages the tests need: LibreOffice Calc (the independent calculator of the oracle
# tests, and a second office suite that fills returned workbooks), CJK fonts (Chinese text
# in rendered workbooks) and Chromium with its driver (the portal's browser tests). Debian packages; skipped when present.
set -euo pipefail
need=()
command -v soffice >/dev/null 2>&1 || need+=(libreoffice-calc)
# LibreOffice's UNO bridge for the system Python: tests fill returned workbooks through LibreOffice
/usr/bin/python3 -c "import uno" >/dev/null 2>&1 || need+=(python3-uno)
fc-list 2>/dev/null | grep -qi "noto sans cjk" || need+=(fonts-noto-cjk)
# Calibri's metric twin, as LibreOffice installs with its recommended fonts: without it LibreOffice lays out
# columns a third wider than Excel and prints the master's pages differently (tests/test_master_paper.py)
fc-list 2>/dev/null | grep -qi carlito || need+=(fonts-crosextra-carlito)
# poppler: the paper test reads the PDF LibreOffice prints (pdftotext)
command -v pdftotext >/dev/null 2>&1 || need+=(poppler-utils)
# a real browser for the portal's tests (tests/test_portal_browser.py, driven by Selenium)
command -v chromium >/dev/null 2>&1 || need+=(chromium)
command -v chromedriver >/dev/null 2>&1 || need+=(chromium-driver)
if [ ${#need[@]} -eq 0 ]; then
  echo "system packages present"
  exit 0
fi
SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO="sudo"
echo "installing: ${need[*]}"
$SUDO apt-get update -qq
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
