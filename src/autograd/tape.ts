import { ShapeError } from '../errors.js';
import { getBackend } from '../backend/registry.js';
import { formatShape, shapesEqual, Tensor } from '../tensor/index.js';

/**
 * Given dL/d(output) and which inputs need a gradient, returns dL/d(input) for each input
 * (null where not needed).
 */
export type BackwardFn = (dy: Tensor, needsGrad: readonly boolean[]) => (Tensor | null)[];

interface TapeEntry {
  inputs: readonly Tensor[];
  output: Tensor;
  backward: BackwardFn;
}

/**
 * A tape records every op whose inputs depend on a watched tensor, in the order they ran.
 * Running it backward visits those ops in reverse, applying each op's backward rule.
 */
class Tape {
  readonly entries: TapeEntry[] = [];
  readonly tracked = new WeakSet<Tensor>();
  /** Tensors made while recording whose gradients are also wanted (see `watch`). */
  readonly watched = new Set<Tensor>();
}

let activeTape: Tape | null = null;

/** Called by every differentiable op after computing its output. */
export function recordOp(output: Tensor, inputs: readonly Tensor[], backward: BackwardFn): Tensor {
  const tape = activeTape;
  if (tape && inputs.some((t) => tape.tracked.has(t))) {
    tape.entries.push({ inputs, output, backward });
    tape.tracked.add(output);
  }
  return output;
}

/** True while a tape is recording: ops may skip saving what only backward needs otherwise. */
export function isRecording(): boolean {
  return activeTape !== null;
}

/**
 * Inside the function that `valueAndGrads` differentiates: asks for the gradient with respect to
 * `t`, a tensor made along the way (e.g. a layer's output, from `ForwardOptions.onLayerOutput`),
 * which cannot be named as a source before the function runs. Ops that use `t` from then on are
 * recorded; its gradient comes back in `watched`. Returns `t`; does nothing when not recording.
 */
export function watch(t: Tensor): Tensor {
  const tape = activeTape;
  if (tape) {
    tape.tracked.add(t);
    tape.watched.add(t);
  }
  return t;
}

/** Runs `fn` without recording (inference, metric computation). */
export function noGrad<T>(fn: () => T): T {
  const saved = activeTape;
  activeTape = null;
  try {
    return fn();
  } finally {
    activeTape = saved;
  }
}

function accumulate(grads: Map<Tensor, Tensor>, target: Tensor, g: Tensor): void {
  if (!shapesEqual(g.shape, target.shape)) {
    throw new ShapeError(`internal: gradient shape ${formatShape(g.shape)} does not match tensor shape ${formatShape(target.shape)}`);
  }
  const existing = grads.get(target);
  if (!existing) {
    grads.set(target, g);
    return;
  }
  const sum = getBackend().binary('add', existing.data, existing.shape, g.data, g.shape, g.shape);
  grads.set(target, new Tensor(sum, g.shape));
}

/**
 * Evaluates `fn` while recording, then returns its scalar value and the gradient of that value
 * with respect to each of `sources` (zeros where the value does not depend on a source), and
 * with respect to each tensor `fn` passed to `watch`.
 */
export function valueAndGrads(fn: () => Tensor, sources: readonly Tensor[]): { value: Tensor; grads: Tensor[]; watched: Map<Tensor, Tensor> } {
  const tape = new Tape();
  for (const s of sources) tape.tracked.add(s);
  const saved = activeTape;
  activeTape = tape;
  let value: Tensor;
  try {
    value = fn();
  } finally {
    activeTape = saved;
  }
  if (value.size !== 1) {
    throw new ShapeError(`gradients need a scalar value, got shape ${formatShape(value.shape)}`);
  }
  const backend = getBackend();
  const grads = new Map<Tensor, Tensor>();
  // A tensor's gradient is complete when the op that made it is reached (its users ran later).
  const watched = new Map<Tensor, Tensor>();
  const one = backend.alloc(1);
  one[0] = 1;
  grads.set(value, new Tensor(one, value.shape));
  for (let i = tape.entries.length - 1; i >= 0; i--) {
    const entry = tape.entries[i];
    const dy = grads.get(entry.output);
    if (!dy) continue;
    grads.delete(entry.output);
    if (tape.watched.has(entry.output)) watched.set(entry.output, dy);
    const needs = entry.inputs.map((t) => tape.tracked.has(t));
    const inputGrads = entry.backward(dy, needs);
    entry.inputs.forEach((input, k) => {
      const g = inputGrads[k];
      if (needs[k] && g) accumulate(grads, input, g);
    });
  }
  const zerosLike = (t: Tensor) => new Tensor(backend.alloc(t.size), t.shape);
  const result = sources.map((s) => grads.get(s) ?? zerosLike(s));
  for (const t of tape.watched) if (!watched.has(t)) watched.set(t, grads.get(t) ?? zerosLike(t));
  return { value, grads: result, watched };
}

/** `grad(f)(...xs)` returns df/dx for each argument x; f must return a scalar. */
export function grad(fn: (...xs: Tensor[]) => Tensor): (...xs: Tensor[]) => Tensor[] {
  return (...xs) => valueAndGrads(() => fn(...xs), xs).grads;
}

/** `valueAndGrad(f)(...xs)` returns f's value and df/dx for each argument x. */
export function valueAndGrad(fn: (...xs: Tensor[]) => Tensor): (...xs: Tensor[]) => { value: Tensor; grads: Tensor[] } {
  return (...xs) => valueAndGrads(() => fn(...xs), xs);
}
