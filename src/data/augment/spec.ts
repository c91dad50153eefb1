/**
 * The augmentation spec language of `--augment`: comma-separated transforms, each a name with
 * optional colon-separated arguments, applied in the order written:
 *
 *   crop:4,flip,rotate:15,noise:0.02
 */
import { ArgumentError, UnknownNameError } from '../../errors.js';
import { randomBrightness } from './brightness.js';
import { compose } from './compose.js';
import { randomContrast } from './contrast.js';
import { randomCrop, PAD_MODES, type PadMode } from './crop.js';
import { randomCutout } from './cutout.js';
import { alternatingFlip, randomFlip } from './flip.js';
import { gaussianNoise } from './noise.js';
import { randomRotation } from './rotate.js';
import { randomScale } from './scale.js';
import type { BatchTransform } from './transform.js';
import { randomTranslation, TRANSLATE_FILLS, TRANSLATE_STEPS, type TranslateFill, type TranslateStep } from './translate.js';

export interface AugmentationInfo {
  name: string;
  /** The accepted form, e.g. 'crop:PAD[:zero|reflect]'. */
  form: string;
  description: string;
}

interface Entry extends AugmentationInfo {
  /** Most and fewest arguments after the name. */
  minArgs: number;
  maxArgs: number;
  build(args: string[], bad: (what: string) => never): BatchTransform;
}

const ENTRIES: readonly Entry[] = [
  {
    name: 'crop',
    form: 'crop:PAD[:zero|reflect]',
    description: 'pad by PAD px (zero by default, or reflect) and crop back to the original size at a random position',
    minArgs: 1,
    maxArgs: 2,
    build([pad, mode = 'zero'], bad) {
      if (!PAD_MODES.includes(mode as PadMode)) bad(`padding mode '${mode}' (expected ${PAD_MODES.join(' or ')})`);
      return randomCrop(wholeNumber(pad, 'PAD', bad), mode as PadMode);
    },
  },
  {
    name: 'flip',
    form: 'flip[:P]',
    description: 'mirror left-right with probability P (default 0.5)',
    minArgs: 0,
    maxArgs: 1,
    build([p = '0.5'], bad) {
      return randomFlip(numberIn(p, 'P', 0, 1, bad));
    },
  },
  {
    name: 'altflip',
    form: 'altflip',
    description: "mirror a fixed half of the images in even epochs and the other half in odd ones (airbench's alternating flip: each image is seen both ways every two epochs)",
    minArgs: 0,
    maxArgs: 0,
    build() {
      return alternatingFlip();
    },
  },
  {
    name: 'rotate',
    form: 'rotate:DEGREES',
    description: 'rotate by a random angle in ±DEGREES (0..180), bilinear, corners filled with 0',
    minArgs: 1,
    maxArgs: 1,
    build([degrees], bad) {
      return randomRotation(numberIn(degrees, 'DEGREES', 0, 180, bad));
    },
  },
  {
    name: 'translate',
    form: 'translate:PIXELS|FRACTION[:zero|nearest[:whole|subpixel]]',
    description:
      "shift by up to ±PIXELS or ±FRACTION of the size (below 1) along each axis; uncovered pixels 0, or the nearest edge pixel (Keras ImageDataGenerator's default fill); by whole pixels (default; PIXELS then a whole number), or by any real amount sampled bilinearly (subpixel: ImageDataGenerator's width/height_shift_range)",
    minArgs: 1,
    maxArgs: 3,
    build([amount, fill = 'zero', step = 'whole'], bad) {
      const v = numberIn(amount, 'PIXELS|FRACTION', 0, Infinity, bad);
      if (!TRANSLATE_FILLS.includes(fill as TranslateFill)) bad(`fill '${fill}' (expected ${TRANSLATE_FILLS.join(' or ')})`);
      if (!TRANSLATE_STEPS.includes(step as TranslateStep)) bad(`step '${step}' (expected ${TRANSLATE_STEPS.join(' or ')})`);
      if (step === 'whole' && v >= 1 && !Number.isInteger(v)) bad(`'${amount}' (PIXELS must be a whole number unless the step is subpixel; a FRACTION must be below 1)`);
      return randomTranslation(v, fill as TranslateFill, step as TranslateStep);
    },
  },
  {
    name: 'scale',
    form: 'scale:MIN-MAX',
    description: 'zoom about the centre by a random factor in MIN..MAX (e.g. 0.9-1.1; > 1 enlarges), bilinear, uncovered pixels 0',
    minArgs: 1,
    maxArgs: 1,
    build([range], bad) {
      const parts = range.split('-');
      if (parts.length > 2) bad(`'${range}' (expected MIN-MAX such as 0.9-1.1, or one factor)`);
      const min = numberIn(parts[0], 'MIN', 0, Infinity, bad);
      const max = parts.length === 2 ? numberIn(parts[1], 'MAX', 0, Infinity, bad) : min;
      if (!(min > 0) || max < min) bad(`'${range}' (expected 0 < MIN ≤ MAX)`);
      return randomScale(min, max);
    },
  },
  {
    name: 'brightness',
    form: 'brightness:DELTA',
    description: 'add a random offset in ±DELTA (0..1) to every pixel, clipped to [0, 1]',
    minArgs: 1,
    maxArgs: 1,
    build([delta], bad) {
      return randomBrightness(numberIn(delta, 'DELTA', 0, 1, bad));
    },
  },
  {
    name: 'contrast',
    form: 'contrast:DELTA',
    description: 'scale each channel about its mean by a random factor in 1±DELTA (0..1), clipped to [0, 1]',
    minArgs: 1,
    maxArgs: 1,
    build([delta], bad) {
      return randomContrast(numberIn(delta, 'DELTA', 0, 1, bad));
    },
  },
  {
    name: 'noise',
    form: 'noise:STD',
    description: 'add Gaussian noise of standard deviation STD to every pixel (not clipped)',
    minArgs: 1,
    maxArgs: 1,
    build([std], bad) {
      return gaussianNoise(numberIn(std, 'STD', 0, Infinity, bad));
    },
  },
  {
    name: 'cutout',
    form: 'cutout:SIZE',
    description: 'set to 0 a SIZE×SIZE square centred on a random pixel (clipped at the borders)',
    minArgs: 1,
    maxArgs: 1,
    build([size], bad) {
      return randomCutout(wholeNumber(size, 'SIZE', bad));
    },
  },
];

/** Every augmentation the spec language knows, in the order of its help. */
export const augmentations: readonly AugmentationInfo[] = ENTRIES.map(({ name, form, description }) => ({ name, form, description }));

const FORMS = (): string => ENTRIES.map((e) => e.form).join(', ');

/**
 * Turns a spec such as 'crop:4,flip,rotate:15' into one transform that applies the named ones in
 * order. An unknown name is an UnknownNameError, a bad or missing argument an ArgumentError; both
 * list the accepted forms.
 */
export function parseAugmentSpec(spec: string): BatchTransform & { spec: string } {
  const items = spec.split(',').map((s) => s.trim());
  if (spec.trim() === '' || items.some((s) => s === '')) {
    throw new ArgumentError(`augmentation spec '${spec}' has an empty entry; expected comma-separated transforms such as crop:4,flip,rotate:15, each one of: ${FORMS()}`);
  }
  // The spec travels with the transform: checkpoints record it, and a resumed run is held to it.
  return Object.assign(compose(...items.map(parseItem)), { spec: items.join(',') });
}

function parseItem(item: string): BatchTransform {
  const [rawName, ...args] = item.split(':').map((s) => s.trim());
  const name = rawName.toLowerCase();
  const entry = ENTRIES.find((e) => e.name === name);
  if (!entry) {
    const err = new UnknownNameError('augmentation', rawName, ENTRIES.map((e) => e.name));
    err.message += `; each is written as one of: ${FORMS()}`;
    throw err;
  }
  const bad = (what: string): never => {
    throw new ArgumentError(`augmentation '${item}': bad ${what}; expected ${entry.form}: ${entry.description}`);
  };
  if (args.length < entry.minArgs || args.length > entry.maxArgs) {
    const expected = entry.minArgs === entry.maxArgs ? `${entry.minArgs}` : `${entry.minArgs} to ${entry.maxArgs}`;
    throw new ArgumentError(
      `augmentation '${item}': ${name} takes ${expected} argument${expected === '1' ? '' : 's'}, got ${args.length}; expected ${entry.form}: ${entry.description}`,
    );
  }
  return entry.build(args, bad);
}

const NUMBER = /^[+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$/;

function numberIn(text: string, name: string, min: number, max: number, bad: (what: string) => never): number {
  const v = Number(text);
  if (!NUMBER.test(text) || !Number.isFinite(v)) bad(`${name} '${text}' (not a number)`);
  if (v < min || v > max) bad(`${name} ${text} (outside ${min}..${max === Infinity ? '∞' : max})`);
  return v;
}

function wholeNumber(text: string, name: string, bad: (what: string) => never): number {
  const v = numberIn(text, name, 0, Infinity, bad);
  if (!Number.isSafeInteger(v)) bad(`${name} ${text} (not a whole number)`);
  return v;
}
