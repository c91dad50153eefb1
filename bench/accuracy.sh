#!/usr/bin/env bash
# Accuracy figures of the README: each line is the exact training command, results as JSON in bench/results/.
# Run from the repository root after `npm ci && npm run build`. About 70 s on 2 idle cores (default wasm backend).
set -euo pipefail
mkdir -p bench/results
fovea() { node dist/src/cli/main.js "$@"; }
fovea train --model seed-cnn --dataset mnist --epochs 3 --batch-size 64 --optimizer adam --lr 2e-3 --schedule cosine --seed 0 --eval-every-epoch --json --quiet > bench/results/seed-cnn-mnist.json
fovea train --model mlp --dataset mnist --epochs 3 --batch-size 64 --optimizer adam --lr 1e-3 --seed 0 --eval-every-epoch --json --quiet > bench/results/mlp-mnist.json
fovea train --model seed-cnn --dataset fashion-mnist --epochs 3 --batch-size 64 --optimizer adam --lr 2e-3 --schedule cosine --seed 0 --eval-every-epoch --json --quiet > bench/results/seed-cnn-fashion-mnist.json
for f in seed-cnn-mnist mlp-mnist seed-cnn-fashion-mnist; do
  node -e "const r=require('./bench/results/$f.json'); console.log('$f', r.epochs.map(e => 'epoch ' + e.epoch + ': ' + (100*e.valAccuracy).toFixed(2) + '% (' + Math.round(e.imagesPerSecond) + ' img/s)').join(', '))"
done
