#!/usr/bin/env bash
# When the default model (mnist_advanced.keras) cannot be loaded, the app says so
# and falls back to the next model found; drawing then predicts with it.
source "$(dirname "$0")/lib.sh"
start_app
wait_for '^MODEL error message=.*mnist_advanced.keras' 10 || fail "no error for the broken default"
wait_for '^TOAST Could not open “mnist_advanced.keras”' 5 || fail "no toast"
wait_for '^MODEL loaded name=z_logreg' 10 || fail "no fallback to the next model"
line=$(draw_and_predict 150 45 140 140 130 235)
[[ $(field "$line" model) == z_logreg ]] || fail "prediction not from the fallback: $line"
screenshot "$OUT/fallback.png"
quit_app
echo "PASS"
