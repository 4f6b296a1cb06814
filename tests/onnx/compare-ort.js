#!/usr/bin/env node
// compare-ort.js MODEL.onnx MNIST_DIR N EXPECTED.f32 TOLERANCE
// Runs MODEL in ONNX Runtime (onnxruntime-node, CPU) on the first N MNIST test images,
// as float32 NHWC [N, 28, 28, 1] = byte / 255 (the engine's table), and compares the
// output with EXPECTED (N x classes little-endian float32, from the engine). Prints
// one line with the largest difference; exits 1 when it passes TOLERANCE or the
// shapes differ, 77 (meson's skip) when onnxruntime-node is not installed.
'use strict';
const fs = require('fs');
const path = require('path');

let ort;
try {
  ort = require('onnxruntime-node');
} catch (e) {
  console.log('SKIP: onnxruntime-node is not installed (scripts/setup.sh --tests): ' +
              e.message.split('\n')[0]);
  process.exit(77);
}

async function main() {
  const [model, mnist, nText, expectedPath, tolText] = process.argv.slice(2);
  const n = parseInt(nText, 10), tol = parseFloat(tolText);
  const img = fs.readFileSync(path.join(mnist, 't10k-images-idx3-ubyte'));
  if (img.readUInt32BE(0) !== 2051) throw new Error('not an IDX image file');
  const px = img.readUInt32BE(8) * img.readUInt32BE(12);
  const table = new Float32Array(256);
  for (let i = 0; i < 256; i++) table[i] = i / 255;
  const x = new Float32Array(n * px);
  for (let k = 0; k < n * px; k++) x[k] = table[img[16 + k]];

  const session = await ort.InferenceSession.create(model, {
    executionProviders: ['cpu'], graphOptimizationLevel: 'all',
    intraOpNumThreads: 1, interOpNumThreads: 1,
  });
  const input = new ort.Tensor('float32', x, [n, 28, 28, 1]);
  const out = await session.run({ [session.inputNames[0]]: input });
  const y = out[session.outputNames[0]];
  const raw = fs.readFileSync(expectedPath);
  const want = new Float32Array(raw.buffer, raw.byteOffset, raw.length / 4);
  if (y.dims.length !== 2 || y.dims[0] !== n || y.data.length !== want.length) {
    console.log(`${path.basename(model)}: output dims [${y.dims}] do not match ` +
                `${want.length} expected values`);
    process.exit(1);
  }
  const classes = y.dims[1];
  let maxDiff = 0, at = 0, sameTop = 0;
  for (let i = 0; i < n; i++) {
    let a = 0, b = 0;
    for (let c = 0; c < classes; c++) {
      const k = i * classes + c;
      const d = Math.abs(y.data[k] - want[k]);
      if (!(d <= maxDiff)) { maxDiff = d; at = k; }
      if (y.data[k] > y.data[i * classes + a]) a = c;
      if (want[k] > want[i * classes + b]) b = c;
    }
    if (a === b) sameTop++;
  }
  const ok = maxDiff <= tol;
  console.log(`${path.basename(model)}: ${n} images, max |ORT - Digits| = ` +
              `${maxDiff.toExponential(3)} (image ${Math.floor(at / classes)}, class ` +
              `${at % classes}), same top class on ${sameTop}/${n}; ` +
              (ok ? 'ok' : `FAIL: more than ${tol}`));
  process.exit(ok ? 0 : 1);
}

main().catch((e) => { console.log(`compare-ort.js: ${e.stack || e}`); process.exit(1); });
