import assert from 'node:assert/strict';
import { test } from 'node:test';
import { backendNames, createBackend, createJsBackend, getBackend, setBackend, withBackend } from '../../src/backend/index.js';
import { UnknownNameError } from '../../src/errors.js';
import { add } from '../../src/ops/index.js';
import { tensor } from '../../src/tensor/index.js';

test('the js and js-float64 backends are registered and the default is float32 js', () => {
  assert.ok(backendNames().includes('js'));
  assert.ok(backendNames().includes('js-float64'));
  assert.equal(getBackend().name, 'js');
  assert.equal(getBackend().dtype, 'float32');
  assert.equal(createBackend('js-float64').dtype, 'float64');
});

test('createJsBackend allocates zero-filled arrays of its dtype', () => {
  const a64 = createJsBackend('float64').alloc(3);
  const a32 = createJsBackend('float32').alloc(3);
  assert.ok(a64 instanceof Float64Array);
  assert.ok(a32 instanceof Float32Array);
  assert.deepEqual(Array.from(a64), [0, 0, 0]);
});

test('withBackend makes a backend current for its callback and restores the previous one, even on throw', () => {
  const before = getBackend();
  const f64 = createJsBackend('float64');
  const y = withBackend(f64, () => {
    assert.equal(getBackend(), f64);
    return add(tensor([1], [1], 'float64'), tensor([2], [1], 'float64'));
  });
  assert.equal(y.dtype, 'float64');
  assert.equal(getBackend(), before);
  assert.throws(() =>
    withBackend(f64, () => {
      throw new Error('inside');
    }),
  );
  assert.equal(getBackend(), before);
});

test('setBackend by name switches the current backend', () => {
  const before = getBackend();
  try {
    assert.equal(setBackend('js-float64').name, 'js-float64');
    assert.equal(getBackend().dtype, 'float64');
  } finally {
    setBackend(before);
  }
  assert.equal(getBackend(), before);
});

test('an unknown backend name throws UnknownNameError listing the known ones', () => {
  assert.throws(() => setBackend('cuda'), (e: unknown) => e instanceof UnknownNameError && e.message.includes("'cuda'") && e.message.includes('js'));
});
