/** Learning-rate schedules: their values at chosen steps, and the text forms --schedule takes. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ArgumentError } from '../../src/errors.js';
import { constantSchedule, cosineSchedule, exponentialSchedule, inverseTimeSchedule, oneCycleSchedule, parseSchedule, SCHEDULE_FORMS, type SchedulePosition, stepSchedule } from '../../src/optim/index.js';

/** Position of global step `step` in a run of `epochs` epochs of `stepsPerEpoch` steps. */
const at = (step: number, stepsPerEpoch = 10, epochs = 10): SchedulePosition => ({ step, epoch: Math.floor(step / stepsPerEpoch), stepsPerEpoch, epochs });
const near = (a: number, b: number, what = '') => assert.ok(Math.abs(a - b) <= 1e-12 * Math.max(1, Math.abs(b)), `${what} ${a} vs ${b}`);

test('constant: the base rate at every step', () => {
  for (const s of [0, 5, 99]) assert.equal(constantSchedule().learningRate(0.1, at(s)), 0.1);
});

test('step every 3 epochs × 0.5: 0.1 for epochs 0–2, 0.05 for 3–5, 0.025 for 6–8', () => {
  const sched = stepSchedule({ every: 3, gamma: 0.5 });
  near(sched.learningRate(0.1, at(29)), 0.1);
  near(sched.learningRate(0.1, at(30)), 0.05);
  near(sched.learningRate(0.1, at(60)), 0.025);
  assert.equal(stepSchedule({ every: 1 }).learningRate(1, at(10)), 0.1, 'default gamma 0.1');
});

test('exponential × 0.5 per epoch, smooth: half an epoch in gives base·√0.5, two epochs base/4', () => {
  const sched = exponentialSchedule({ gamma: 0.5 });
  near(sched.learningRate(1, at(0)), 1);
  near(sched.learningRate(1, at(5)), Math.SQRT1_2);
  near(sched.learningRate(1, at(20)), 0.25);
});

test('cosine with 2 warm-up epochs over 10 epochs of 10 steps: lr·(s+1)/20 during warm-up, the base rate at step 20, half of it midway through the rest, near min at the end', () => {
  const sched = cosineSchedule({ warmupEpochs: 2, minLearningRate: 0.001 });
  near(sched.learningRate(0.1, at(0)), 0.1 / 20);
  near(sched.learningRate(0.1, at(9)), 0.1 / 2);
  near(sched.learningRate(0.1, at(19)), 0.1);
  near(sched.learningRate(0.1, at(20)), 0.1);
  near(sched.learningRate(0.1, at(60)), 0.001 + (0.1 - 0.001) / 2);
  const last = sched.learningRate(0.1, at(99));
  assert.ok(last > 0.001 && last < 0.0011, `last step ${last}`);
  // Never increasing after the warm-up, never below min.
  let previous = Infinity;
  for (let s = 20; s < 100; s++) {
    const lr = sched.learningRate(0.1, at(s));
    assert.ok(lr <= previous && lr >= 0.001);
    previous = lr;
  }
  near(cosineSchedule().learningRate(1, at(50)), 0.5, 'no warm-up, min 0, halfway');
});

test('one-cycle over 100 steps (pct 0.3, div 25, final 1e4): starts at base/25, peaks at the base rate at step 29, ends at base/25e4', () => {
  const sched = oneCycleSchedule();
  near(sched.learningRate(1, at(0)), 1 / 25);
  near(sched.learningRate(1, at(29)), 1);
  near(sched.learningRate(1, at(99)), 1 / 25 / 1e4);
  assert.ok(sched.learningRate(1, at(15)) > 1 / 25 && sched.learningRate(1, at(15)) < 1);
  assert.ok(sched.learningRate(1, at(60)) < 1);
});

test('parseSchedule reads every documented form, and its config gives back a spec that parses to the same schedule', () => {
  const specs = ['constant', 'step:every=3', 'step:every=2,gamma=0.5', 'exponential:gamma=0.95', 'cosine', 'cosine:warmup=2', 'cosine:warmup=0.5,min=1e-5', 'onecycle', 'onecycle:pct=0.25,div=10,final=100', 'triangle', 'triangle:start=0.1,peak=0.5,end=0', 'inverse-time:decay=1e-6'];
  for (const spec of specs) {
    const sched = parseSchedule(spec);
    const again = parseSchedule(String(sched.getConfig().spec));
    for (const s of [0, 7, 33, 99]) assert.equal(again.learningRate(0.1, at(s)), sched.learningRate(0.1, at(s)), `${spec} at ${s}`);
  }
  assert.equal(parseSchedule(' cosine : warmup = 2 ').getConfig().warmupEpochs, 2, 'spaces are allowed');
  assert.equal(SCHEDULE_FORMS.length, 7);
});

test('wrong schedule forms are ArgumentErrors that quote the input and list the expected forms', () => {
  const bad = ['', 'cosin', 'cosine:', 'cosine:warmup', 'cosine:warmup=x', 'cosine:warmpu=2', 'cosine:warmup=1,warmup=2', 'step', 'step:every=0', 'step:every=1.5', 'step:every=2,gamma=2', 'exponential', 'exponential:gamma=0', 'onecycle:pct=1', 'constant:x=1', 'cosine:warmup=-1', 'inverse-time', 'inverse-time:decay=-1', 'triangle:peak=1.5', 'triangle:start=-0.1', 'triangle:slope=2'];
  for (const spec of bad) {
    assert.throws(
      () => parseSchedule(spec),
      (e: unknown) => e instanceof ArgumentError && e.message.includes(`'${spec}'`) && e.message.includes('expected one of constant | step:every=EPOCHS[,gamma=G]'),
      `'${spec}'`,
    );
  }
});

test('inverse-time (Keras legacy decay): base/(1 + decay·step), step counted over the whole run', () => {
  const sched = inverseTimeSchedule({ decay: 1e-3 });
  const at = (step: number) => sched.learningRate(0.1, { step, epoch: Math.floor(step / 100), stepsPerEpoch: 100, epochs: 10 });
  assert.equal(at(0), 0.1);
  assert.ok(Math.abs(at(1000) - 0.05) < 1e-15);
  assert.ok(Math.abs(at(250) - 0.1 / 1.25) < 1e-15);
});

test("triangle (airbench's) over 100 steps: 0.2·base at step 0, rising linearly to the base rate at step 23, then falling linearly to 0.07·base at the last step", () => {
  const sched = parseSchedule('triangle');
  const lr = (step: number) => sched.learningRate(2, at(step));
  assert.equal(lr(0), 0.4);
  assert.ok(Math.abs(lr(11.5) - 1.2) < 1e-12, 'halfway up');
  assert.equal(lr(23), 2);
  assert.ok(Math.abs(lr(100) - 0.14) < 1e-12);
  assert.ok(Math.abs(lr(99) - 2 * (1 - 0.93 * (76 / 77))) < 1e-12, 'the last step of the run is one step before the end');
  for (let s = 1; s <= 23; s++) assert.ok(lr(s) > lr(s - 1), `rising at ${s}`);
  for (let s = 24; s <= 99; s++) assert.ok(lr(s) < lr(s - 1), `falling at ${s}`);
});
