/**
 * Learning-rate schedules: functions from the position in training to the learning rate, given
 * the optimizer's base rate (its `learningRate` when training starts, e.g. `--lr`). `fit` asks
 * the schedule before every optimizer step. Every schedule also has a one-line text form, which
 * is what `--schedule` takes (see SCHEDULE_FORMS and parseSchedule).
 */
import { ArgumentError } from '../errors.js';

export interface SchedulePosition {
  /** Optimizer steps taken before this one in the whole run (0-based). */
  step: number;
  /** The epoch this step belongs to (0-based). */
  epoch: number;
  stepsPerEpoch: number;
  /** Epochs in the whole run (cosine and one-cycle end there). */
  epochs: number;
}

export interface LearningRateSchedule {
  readonly name: string;
  /** The learning rate for the step at `position`. */
  learningRate(baseLearningRate: number, position: SchedulePosition): number;
  /** The options, and `spec`: the text form that parseSchedule turns back into this schedule. */
  getConfig(): Record<string, unknown>;
}

/** The text forms `--schedule` accepts, shown in --help and in every parse error. */
export const SCHEDULE_FORMS = [
  'constant',
  'step:every=EPOCHS[,gamma=G]',
  'exponential:gamma=G',
  'cosine[:warmup=EPOCHS][,min=LR]',
  'onecycle[:pct=P][,div=D][,final=F]',
  'triangle[:start=S][,peak=P][,end=E]',
  'inverse-time:decay=D',
] as const;

const formatNumber = (x: number): string => String(x);

/** The rate stays at the base rate. */
export function constantSchedule(): LearningRateSchedule {
  return { name: 'constant', learningRate: (base) => base, getConfig: () => ({ name: 'constant', spec: 'constant' }) };
}

/** Multiplies the rate by `gamma` every `every` epochs (PyTorch's StepLR). Default gamma 0.1. */
export function stepSchedule(options: { every: number; gamma?: number }): LearningRateSchedule {
  const every = options.every;
  const gamma = options.gamma ?? 0.1;
  if (!(Number.isInteger(every) && every >= 1)) throw new ArgumentError(`step schedule: every must be a positive whole number of epochs, got ${every}`);
  checkRange('step schedule: gamma', gamma, 0, 1, false, true);
  return {
    name: 'step',
    learningRate: (base, { epoch }) => base * Math.pow(gamma, Math.floor(epoch / every)),
    getConfig: () => ({ name: 'step', every, gamma, spec: `step:every=${every},gamma=${formatNumber(gamma)}` }),
  };
}

/** Multiplies the rate by `gamma` per epoch, applied smoothly at every step: base·γ^(step / stepsPerEpoch). */
export function exponentialSchedule(options: { gamma: number }): LearningRateSchedule {
  const { gamma } = options;
  checkRange('exponential schedule: gamma', gamma, 0, 1, false, true);
  return {
    name: 'exponential',
    learningRate: (base, { step, stepsPerEpoch }) => base * Math.pow(gamma, step / stepsPerEpoch),
    getConfig: () => ({ name: 'exponential', gamma, spec: `exponential:gamma=${formatNumber(gamma)}` }),
  };
}

/**
 * Keras' legacy `decay` argument of its optimizers: base / (1 + decay·step), falling a little at
 * every step (the Keras CIFAR-10 example uses RMSprop(1e-4, decay=1e-6)).
 */
export function inverseTimeSchedule(options: { decay: number }): LearningRateSchedule {
  const { decay } = options;
  checkRange('inverse-time schedule: decay', decay, 0, Infinity, true, false);
  return {
    name: 'inverse-time',
    learningRate: (base, { step }) => base / (1 + decay * step),
    getConfig: () => ({ name: 'inverse-time', decay, spec: `inverse-time:decay=${formatNumber(decay)}` }),
  };
}

/**
 * Linear warm-up over the first `warmupEpochs` (the rate climbs in equal steps to the base rate),
 * then cosine annealing from the base rate down to `minLearningRate` at the end of the run
 * (Loshchilov & Hutter's SGDR without restarts; Goyal et al.'s warm-up).
 */
export function cosineSchedule(options: { warmupEpochs?: number; minLearningRate?: number } = {}): LearningRateSchedule {
  const warmupEpochs = options.warmupEpochs ?? 0;
  const minLearningRate = options.minLearningRate ?? 0;
  checkRange('cosine schedule: warmup', warmupEpochs, 0, Infinity, true, false);
  checkRange('cosine schedule: min', minLearningRate, 0, Infinity, true, false);
  return {
    name: 'cosine',
    learningRate(base, { step, stepsPerEpoch, epochs }) {
      const warmupSteps = Math.round(warmupEpochs * stepsPerEpoch);
      if (step < warmupSteps) return (base * (step + 1)) / warmupSteps;
      const total = epochs * stepsPerEpoch;
      const progress = Math.min(1, (step - warmupSteps) / Math.max(1, total - warmupSteps));
      return minLearningRate + ((base - minLearningRate) * (1 + Math.cos(Math.PI * progress))) / 2;
    },
    getConfig: () => ({ name: 'cosine', warmupEpochs, minLearningRate, spec: `cosine:warmup=${formatNumber(warmupEpochs)},min=${formatNumber(minLearningRate)}` }),
  };
}

/**
 * Smith's one-cycle policy (PyTorch's OneCycleLR, cosine annealing): the rate rises from
 * base/div to the base rate over the first `pct` of the run, then falls to base/(div·final).
 * The base rate is the peak. Defaults pct 0.3, div 25, final 1e4.
 */
export function oneCycleSchedule(options: { pct?: number; div?: number; final?: number } = {}): LearningRateSchedule {
  const pct = options.pct ?? 0.3;
  const div = options.div ?? 25;
  const final = options.final ?? 1e4;
  checkRange('onecycle schedule: pct', pct, 0, 1, false, false);
  checkRange('onecycle schedule: div', div, 1, Infinity, true, false);
  checkRange('onecycle schedule: final', final, 1, Infinity, true, false);
  const anneal = (from: number, to: number, fraction: number) => to + ((from - to) * (1 + Math.cos(Math.PI * fraction))) / 2;
  return {
    name: 'onecycle',
    learningRate(base, { step, stepsPerEpoch, epochs }) {
      const initial = base / div;
      const last = initial / final;
      const total = epochs * stepsPerEpoch;
      const peakStep = pct * total - 1;
      if (step <= peakStep) return anneal(initial, base, peakStep <= 0 ? 1 : step / peakStep);
      const fraction = Math.min(1, (step - peakStep) / Math.max(1e-12, total - 1 - peakStep));
      return anneal(base, last, fraction);
    },
    getConfig: () => ({ name: 'onecycle', pct, div, final, spec: `onecycle:pct=${formatNumber(pct)},div=${formatNumber(div)},final=${formatNumber(final)}` }),
  };
}

/**
 * airbench's triangular schedule: the rate goes linearly from start·base at the first step to
 * the base rate after the fraction `peak` of the run, then linearly to end·base at its last step.
 * Defaults start 0.2, peak 0.23, end 0.07 (airbench94's).
 */
export function triangleSchedule(options: { start?: number; peak?: number; end?: number } = {}): LearningRateSchedule {
  const start = options.start ?? 0.2;
  const peak = options.peak ?? 0.23;
  const end = options.end ?? 0.07;
  checkRange('triangle schedule: start', start, 0, Infinity, true, false);
  checkRange('triangle schedule: peak', peak, 0, 1, true, true);
  checkRange('triangle schedule: end', end, 0, Infinity, true, false);
  return {
    name: 'triangle',
    learningRate(base, { step, stepsPerEpoch, epochs }) {
      const total = epochs * stepsPerEpoch;
      const peakStep = Math.floor(peak * total);
      if (step < peakStep) return base * (start + ((1 - start) * step) / peakStep);
      const fraction = total > peakStep ? Math.min(1, (step - peakStep) / (total - peakStep)) : 1;
      return base * (1 + (end - 1) * fraction);
    },
    getConfig: () => ({ name: 'triangle', start, peak, end, spec: `triangle:start=${formatNumber(start)},peak=${formatNumber(peak)},end=${formatNumber(end)}` }),
  };
}

export interface ParsedSpec {
  /** The part before ':' (a name, or a number such as a patience). */
  head: string;
  options: Map<string, string>;
}

/**
 * Splits `HEAD[:KEY=VALUE[,KEY=VALUE]...]`; a KEY without `=VALUE` is a flag (value ''). Throws
 * ArgumentError with `expected` on malformed text or a repeated key.
 */
export function parseSpec(spec: string, expected: string): ParsedSpec {
  const fail = (why: string): never => {
    throw new ArgumentError(`'${spec}': ${why}; expected ${expected}`);
  };
  const text = spec.trim();
  const colon = text.indexOf(':');
  const head = (colon < 0 ? text : text.slice(0, colon)).trim();
  if (head === '') fail('nothing before the options');
  const options = new Map<string, string>();
  if (colon >= 0) {
    const rest = text.slice(colon + 1);
    if (rest.trim() === '') fail(`nothing after ':'`);
    for (const part of rest.split(',')) {
      const eq = part.indexOf('=');
      const key = (eq < 0 ? part : part.slice(0, eq)).trim();
      const value = eq < 0 ? '' : part.slice(eq + 1).trim();
      if (key === '') fail(`an empty option in '${rest}'`);
      if (eq >= 0 && value === '') fail(`option '${key}' has no value`);
      if (options.has(key)) fail(`option '${key}' is given twice`);
      options.set(key, value);
    }
  }
  return { head, options };
}

/** A number option of a parsed spec (undefined when absent); `expected` goes into errors. */
export function specNumber(parsed: ParsedSpec, key: string, spec: string, expected: string): number | undefined {
  const raw = parsed.options.get(key);
  if (raw === undefined) return undefined;
  const n = Number(raw);
  if (raw === '' || !Number.isFinite(n)) throw new ArgumentError(`'${spec}': option '${key}' must be a number, got '${raw}'; expected ${expected}`);
  return n;
}

/** Rejects options of a parsed spec other than `allowed`. */
export function checkSpecKeys(parsed: ParsedSpec, allowed: readonly string[], spec: string, expected: string): void {
  for (const key of parsed.options.keys()) {
    if (!allowed.includes(key)) {
      throw new ArgumentError(`'${spec}': unknown option '${key}'${allowed.length ? ` (${parsed.head} takes ${allowed.join(', ')})` : ` (${parsed.head} takes none)`}; expected ${expected}`);
    }
  }
}

/**
 * A schedule from its text form, one of SCHEDULE_FORMS: `constant`, `step:every=10,gamma=0.1`,
 * `exponential:gamma=0.95`, `cosine:warmup=2,min=1e-5`, `onecycle:pct=0.3`. Throws ArgumentError
 * naming the expected forms.
 */
export function parseSchedule(spec: string): LearningRateSchedule {
  const expected = `one of ${SCHEDULE_FORMS.join(' | ')}`;
  const parsed = parseSpec(spec, expected);
  const keys: Record<string, readonly string[]> = { constant: [], step: ['every', 'gamma'], exponential: ['gamma'], cosine: ['warmup', 'min'], onecycle: ['pct', 'div', 'final'], triangle: ['start', 'peak', 'end'], 'inverse-time': ['decay'] };
  const allowed = keys[parsed.head];
  if (!allowed) throw new ArgumentError(`'${spec}': unknown schedule '${parsed.head}'; expected ${expected}`);
  checkSpecKeys(parsed, allowed, spec, expected);
  const num = (key: string) => specNumber(parsed, key, spec, expected);
  const withForm = <T>(make: () => T): T => {
    try {
      return make();
    } catch (e) {
      if (e instanceof ArgumentError) throw new ArgumentError(`'${spec}': ${e.message}; expected ${expected}`);
      throw e;
    }
  };
  const values = Object.fromEntries(allowed.map((key) => [key, num(key)]));
  switch (parsed.head) {
    case 'constant':
      return constantSchedule();
    case 'step':
      if (values.every === undefined) throw new ArgumentError(`'${spec}': the step schedule needs every=EPOCHS; expected ${expected}`);
      return withForm(() => stepSchedule({ every: values.every!, gamma: values.gamma }));
    case 'exponential':
      if (values.gamma === undefined) throw new ArgumentError(`'${spec}': the exponential schedule needs gamma=G; expected ${expected}`);
      return withForm(() => exponentialSchedule({ gamma: values.gamma! }));
    case 'inverse-time':
      if (values.decay === undefined) throw new ArgumentError(`'${spec}': the inverse-time schedule needs decay=D; expected ${expected}`);
      return withForm(() => inverseTimeSchedule({ decay: values.decay! }));
    case 'cosine':
      return withForm(() => cosineSchedule({ warmupEpochs: values.warmup, minLearningRate: values.min }));
    case 'triangle':
      return withForm(() => triangleSchedule({ start: values.start, peak: values.peak, end: values.end }));
    default:
      return withForm(() => oneCycleSchedule({ pct: values.pct, div: values.div, final: values.final }));
  }
}

function checkRange(what: string, value: number, low: number, high: number, lowIncluded: boolean, highIncluded: boolean): void {
  const ok = Number.isFinite(value) && (lowIncluded ? value >= low : value > low) && (highIncluded ? value <= high : value < high);
  if (!ok) {
    const range = high === Infinity ? `${lowIncluded ? '≥' : '>'} ${low}` : `in ${lowIncluded ? '[' : '('}${low}, ${high}${highIncluded ? ']' : ')'}`;
    throw new ArgumentError(`${what} must be ${range}, got ${value}`);
  }
}
