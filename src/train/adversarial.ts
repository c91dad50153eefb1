/**
 * Adversarial examples under an L∞ budget: the fast gradient sign method (FGSM, Goodfellow et
 * al. 2015) and projected gradient descent (PGD: Kurakin et al.'s basic iterative method, with a
 * random start Madry et al. 2018's attack). Pixels are in [0, 1], before the model's input
 * normalisation, which is part of the function differentiated; the loss is the model's own
 * (`modelLoss`: cross-entropy, or a capsule network's margin loss), so every model can be
 * attacked. Untargeted attacks raise the loss of the true label; targeted ones lower the loss of
 * the target class. Results are clipped to [0, 1] and to the ε-ball around the input.
 *
 * This is the core that `fit` needs for adversarial training, so it lives in train/ (explain/
 * imports train/, never the reverse) and explain/ re-exports it beside the accuracy curve and the
 * picture.
 */
import { valueAndGrads } from '../autograd/tape.js';
import { getBackend } from '../backend/registry.js';
import { ArgumentError, ShapeError } from '../errors.js';
import type { Network } from '../nn/network.js';
import { allocData, formatShape, Rng, Tensor, type TensorData } from '../tensor/index.js';
import { modelLoss } from './loss.js';
import { normalizeBatch } from './normalize.js';

export type AttackName = 'fgsm' | 'pgd';
export const attackNames: readonly AttackName[] = ['fgsm', 'pgd'];

export interface FgsmOptions {
  /** The L∞ budget: no pixel moves by more than ε. In [0, 1]. */
  epsilon: number;
  /**
   * Target classes, one per image: a targeted attack lowers the loss of these classes (makes the
   * model say them) instead of raising the loss of the true labels.
   */
  targets?: Int32Array;
}

export interface PgdOptions extends FgsmOptions {
  /** Gradient-sign steps, ≥ 1. */
  steps: number;
  /** How far each step moves every pixel (α), > 0; the result is projected back into the ε-ball. */
  stepSize: number;
  /** Start from a uniformly random point of the ε-ball (Madry et al.) instead of the image itself. */
  randomStart?: boolean;
  /** The generator of the random start (default: a fresh one seeded with 0). */
  rng?: Rng;
}

/** Madry et al.'s rule of thumb for PGD's step: 2.5·ε / steps, so the walk can cross the ball. */
export function defaultStepSize(epsilon: number, steps: number): number {
  return (2.5 * epsilon) / steps;
}

/** Checks an L∞ budget: pixels are in [0, 1], so ε is too. */
export function checkEpsilon(epsilon: number, what = 'epsilon'): number {
  if (typeof epsilon !== 'number' || !Number.isFinite(epsilon) || epsilon < 0 || epsilon > 1) {
    throw new ArgumentError(`${what} must be a number in [0, 1] (pixels are in [0, 1]), got ${epsilon}`);
  }
  return epsilon;
}

function checkPgd(options: PgdOptions): void {
  if (!Number.isInteger(options.steps) || options.steps < 1) throw new ArgumentError(`PGD steps must be a whole number ≥ 1, got ${options.steps}`);
  if (typeof options.stepSize !== 'number' || !Number.isFinite(options.stepSize) || options.stepSize <= 0) {
    throw new ArgumentError(`PGD step size must be a positive number, got ${options.stepSize}`);
  }
}

/** The number of classes the model scores. */
function classCount(model: Network): number {
  const shape = model.outputShape;
  if (shape.length !== 1) throw new ArgumentError(`model '${model.name}' outputs ${formatShape(shape)}, not one score per class, so it cannot be attacked through its loss`);
  return shape[0];
}

/** Checks the batch against the model and the labels (and targets) against the batch and the classes. */
function checkAttackInputs(model: Network, x: Tensor, labels: Int32Array, targets: Int32Array | undefined): void {
  const input = model.inputShape;
  if (!model.isBuilt || !input) throw new ArgumentError(`model '${model.name}' is not built yet: call build({ inputShape }) first`);
  if (x.rank !== input.length + 1 || input.some((d, i) => x.shape[i + 1] !== d)) {
    throw new ShapeError(`an attack needs a batch [n, ${input.join(', ')}] for model '${model.name}', got ${formatShape(x.shape)}`);
  }
  const n = x.shape[0];
  const classes = classCount(model);
  for (const [name, values] of [['labels', labels], ['targets', targets]] as const) {
    if (values === undefined) continue;
    if (values.length !== n) throw new ShapeError(`the attack got ${values.length} ${name} for a batch of ${n} images`);
    for (let i = 0; i < n; i++) {
      const c = values[i];
      if (!Number.isInteger(c) || c < 0 || c >= classes) {
        throw new ArgumentError(`${name}[${i}] is ${c}, not one of model '${model.name}''s ${classes} classes (expected 0..${classes - 1})`);
      }
    }
  }
}

export interface LossGradient {
  /** The model's loss of the batch (mean over the images). */
  loss: number;
  /** d loss / d pixel for pixels in [0, 1], the batch's shape (through the input normalisation). */
  gradient: TensorData;
}

/**
 * The gradient of the model's loss (inference mode: no dropout, batch normalisation with its
 * moving statistics, which are left untouched) with respect to the pixels of the batch, against
 * `labels` (one class per image).
 */
export function lossGradient(model: Network, x: Tensor, labels: Int32Array): LossGradient {
  const input = normalizeBatch(x, model.inputNormalization);
  const channels = x.shape[x.rank - 1];
  const { std } = model.inputNormalization;
  return getBackend().scope(() => {
    const { value, grads } = valueAndGrads(() => modelLoss(model, model.forward(input, { training: false, logits: true }), labels), [input]);
    // normalizeBatch x' = (x − mean) / std runs outside the tape: d/dx = d/dx' / std.
    const g = grads[0].data;
    const gradient = allocData(x.dtype, x.size);
    if (input === x) gradient.set(g);
    else for (let i = 0; i < gradient.length; i++) gradient[i] = g[i] / std[i % channels];
    return { loss: value.item(), gradient };
  });
}

/** v clipped into [max(0, centre − ε), min(1, centre + ε)], with centre itself first clipped into [0, 1]. */
function project(v: number, centre: number, epsilon: number): number {
  const c = centre < 0 ? 0 : centre > 1 ? 1 : centre;
  const lo = Math.max(0, c - epsilon);
  const hi = Math.min(1, c + epsilon);
  return v < lo ? lo : v > hi ? hi : v;
}

/**
 * One gradient-sign step from `current`: + sign(∇) for an untargeted attack, − sign(∇) for a
 * targeted one, `size` per pixel, projected into the ε-ball around `origin` and into [0, 1].
 */
function signStep(origin: Tensor, current: TensorData, gradient: TensorData, size: number, epsilon: number, targeted: boolean): Tensor {
  const out = allocData(origin.dtype, origin.size);
  const direction = targeted ? -size : size;
  for (let i = 0; i < out.length; i++) out[i] = project(current[i] + direction * Math.sign(gradient[i]), origin.data[i], epsilon);
  return new Tensor(out, origin.shape);
}

/**
 * FGSM: x′ = clip(x + ε·sign(∇ₓ loss(x, label))) (untargeted), or x − ε·sign(∇ₓ loss(x, target))
 * (targeted), clipped to [0, 1]. `x` is a batch [n, H, W, C] with pixels in [0, 1]; `labels` its
 * true classes. Pixels whose gradient is exactly 0 stay as they are.
 */
export function fgsm(model: Network, x: Tensor, labels: Int32Array, options: FgsmOptions): Tensor {
  const epsilon = checkEpsilon(options.epsilon);
  checkAttackInputs(model, x, labels, options.targets);
  const { gradient } = lossGradient(model, x, options.targets ?? labels);
  return signStep(x, x.data, gradient, epsilon, epsilon, options.targets !== undefined);
}

/**
 * FGSM at several budgets from one gradient: the images for each ε of `epsilons` (the gradient
 * at x does not depend on ε).
 */
export function fgsmAtEach(model: Network, x: Tensor, labels: Int32Array, epsilons: readonly number[], targets?: Int32Array): Tensor[] {
  for (const e of epsilons) checkEpsilon(e);
  checkAttackInputs(model, x, labels, targets);
  const { gradient } = lossGradient(model, x, targets ?? labels);
  return epsilons.map((e) => signStep(x, x.data, gradient, e, e, targets !== undefined));
}

/**
 * PGD: `steps` FGSM-like steps of `stepSize`, each projected back into the ε-ball around x and
 * into [0, 1], from x itself or (randomStart) from a uniform point of the ball. With 1 step, no
 * random start and stepSize = ε it is FGSM.
 */
export function pgd(model: Network, x: Tensor, labels: Int32Array, options: PgdOptions): Tensor {
  const epsilon = checkEpsilon(options.epsilon);
  checkPgd(options);
  checkAttackInputs(model, x, labels, options.targets);
  const targeted = options.targets !== undefined;
  const against = options.targets ?? labels;
  let current: Tensor = x;
  if (options.randomStart) {
    const rng = options.rng ?? new Rng(0);
    const start = allocData(x.dtype, x.size);
    for (let i = 0; i < start.length; i++) start[i] = project(x.data[i] + epsilon * (2 * rng.uniform() - 1), x.data[i], epsilon);
    current = new Tensor(start, x.shape);
  }
  for (let step = 0; step < options.steps; step++) {
    const { gradient } = lossGradient(model, current, against);
    current = signStep(x, current.data, gradient, options.stepSize, epsilon, targeted);
  }
  return current;
}

// ---- adversarial training (fit's `adversarial` option) ----

export interface AdversarialTraining {
  attack: AttackName;
  /** The L∞ budget of the training examples, in [0, 1]. */
  epsilon: number;
  /** PGD only: steps (default 10). */
  steps?: number;
  /** PGD only: step size (default 2.5·ε / steps). */
  stepSize?: number;
  /** PGD only: start from a random point of the ε-ball, drawn from fit's augmentation generator. */
  randomStart?: boolean;
  /**
   * 'mix' (default): train on the clean batch and its adversarial copy together, each half of the
   * loss (Goodfellow et al. 2015's α = 0.5); 'replace': on the adversarial copy alone (Madry et al.).
   */
  mode?: 'mix' | 'replace';
}

export const ADVERSARIAL_FORM = 'fgsm:EPS[,replace] or pgd:EPS[,steps=N][,step=S][,random-start][,replace] (EPS in [0, 1])';

/** Checks fit's `adversarial` option, filling in PGD's defaults. */
export function checkAdversarialTraining(spec: AdversarialTraining): Required<AdversarialTraining> {
  if (!attackNames.includes(spec.attack)) throw new ArgumentError(`unknown attack '${spec.attack}' for adversarial training; expected one of ${attackNames.join(', ')}`);
  const epsilon = checkEpsilon(spec.epsilon, 'the adversarial-training epsilon');
  const mode = spec.mode ?? 'mix';
  if (mode !== 'mix' && mode !== 'replace') throw new ArgumentError(`adversarial-training mode must be 'mix' or 'replace', got '${String(mode)}'`);
  if (spec.attack === 'fgsm') {
    if (spec.steps !== undefined || spec.stepSize !== undefined || spec.randomStart) throw new ArgumentError('steps, step size and random start apply to PGD adversarial training, not FGSM');
    return { attack: 'fgsm', epsilon, steps: 1, stepSize: epsilon, randomStart: false, mode };
  }
  const steps = spec.steps ?? 10;
  const stepSize = spec.stepSize ?? defaultStepSize(epsilon, steps);
  checkPgd({ epsilon, steps, stepSize });
  return { attack: 'pgd', epsilon, steps, stepSize, randomStart: spec.randomStart ?? false, mode };
}

/** The text form of an adversarial-training setting (as `--adversarial` takes it). */
export function formatAdversarialTraining(spec: AdversarialTraining): string {
  const s = checkAdversarialTraining(spec);
  const parts = [`${s.attack}:${s.epsilon}`];
  if (s.attack === 'pgd') parts.push(`steps=${s.steps}`, `step=${s.stepSize}`, ...(s.randomStart ? ['random-start'] : []));
  if (s.mode === 'replace') parts.push('replace');
  return parts.join(',');
}

/**
 * Parses `--adversarial`: `fgsm:EPS[,replace]` or `pgd:EPS[,steps=N][,step=S][,random-start][,replace]`.
 * Throws an ArgumentError quoting the text and the expected form.
 */
export function parseAdversarialSpec(text: string): AdversarialTraining {
  const fail = (why: string): never => {
    throw new ArgumentError(`'${text}': ${why}; expected ${ADVERSARIAL_FORM}`);
  };
  const colon = text.indexOf(':');
  const attack = (colon < 0 ? text : text.slice(0, colon)).trim();
  if (!(attackNames as readonly string[]).includes(attack)) fail(attack === '' ? 'no attack named' : `unknown attack '${attack}'`);
  if (colon < 0) fail('no ε given');
  const [first, ...rest] = text.slice(colon + 1).split(',').map((p) => p.trim());
  if (first === '' || Number.isNaN(Number(first)) || !Number.isFinite(Number(first))) fail(first === '' ? 'no ε given' : `ε must be a number, got '${first}'`);
  const epsilon = Number(first);
  if (epsilon < 0 || epsilon > 1) fail(`ε must be in [0, 1] (pixels are in [0, 1]), got ${epsilon}`);
  const spec: AdversarialTraining = { attack: attack as AttackName, epsilon };
  const seen = new Set<string>();
  for (const part of rest) {
    const eq = part.indexOf('=');
    const key = (eq < 0 ? part : part.slice(0, eq)).trim();
    const value = eq < 0 ? undefined : part.slice(eq + 1).trim();
    if (key === '') fail('an empty option');
    if (seen.has(key)) fail(`option '${key}' is given twice`);
    seen.add(key);
    const allowed = attack === 'fgsm' ? ['replace'] : ['steps', 'step', 'random-start', 'replace'];
    if (!allowed.includes(key)) fail(`unknown option '${key}' (${attack} takes ${allowed.join(', ')})`);
    if (key === 'replace' || key === 'random-start') {
      if (value !== undefined) fail(`option '${key}' takes no value`);
      if (key === 'replace') spec.mode = 'replace';
      else spec.randomStart = true;
      continue;
    }
    const n = Number(value);
    if (value === undefined || value === '' || !Number.isFinite(n)) fail(`option '${key}' must be a number, got '${value ?? ''}'`);
    if (key === 'steps') {
      if (!Number.isInteger(n) || n < 1) fail(`steps must be a whole number ≥ 1, got ${value}`);
      spec.steps = n;
    } else {
      if (n <= 0) fail(`step must be a positive number, got ${value}`);
      spec.stepSize = n;
    }
  }
  return spec;
}

/**
 * The batch fit trains on under adversarial training: adversarial copies of `x` made against the
 * current weights, alone ('replace') or after the clean images ('mix': [x; x′], labels twice,
 * so the mean loss is ½·loss(x) + ½·loss(x′)).
 */
export function adversarialTrainingBatch(model: Network, x: Tensor, labels: Int32Array, spec: Required<AdversarialTraining>, rng: Rng): { x: Tensor; labels: Int32Array } {
  const adversarial =
    spec.attack === 'fgsm'
      ? fgsm(model, x, labels, { epsilon: spec.epsilon })
      : pgd(model, x, labels, { epsilon: spec.epsilon, steps: spec.steps, stepSize: spec.stepSize, randomStart: spec.randomStart, rng });
  if (spec.mode === 'replace') return { x: adversarial, labels };
  const both = allocData(x.dtype, 2 * x.size);
  both.set(x.data);
  both.set(adversarial.data, x.size);
  const bothLabels = new Int32Array(2 * labels.length);
  bothLabels.set(labels);
  bothLabels.set(labels, labels.length);
  return { x: new Tensor(both, [2 * x.shape[0], ...x.shape.slice(1)]), labels: bothLabels };
}
