/**
 * The layer-list text format: a Sequential model written one layer per line, Keras-like
 * (`Conv2D(filters=8, kernelSize=3, padding=same, activation=relu)`), for editors that show the
 * summary as the user types. Blank lines and `#` comments are ignored.
 */
import { ArgumentError, FoveaError, UnknownNameError } from '../errors.js';
import { Rng, type Shape } from '../tensor/index.js';
import type { Layer, LayerConfig } from './layer.js';
import { layerFromConfig, layerTypes } from './layer-registry.js';
import { type ModelLoss, uniqueLayerName } from './network.js';
import { Sequential } from './sequential.js';
import { type SummaryRow, type SummaryTotals, summaryRows } from './summary.js';

/** A mistake in a layer list, with the (1-based) line it is on; null when no one line is at fault. */
export class LayerListError extends FoveaError {
  constructor(
    readonly line: number | null,
    message: string,
    options: { cause?: unknown } = {},
  ) {
    super('E_LAYER_LIST', line === null ? message : `line ${line}: ${message}`);
    if (options.cause !== undefined) this.cause = options.cause;
  }
}

export type LayerListValue = number | string | boolean | null | LayerListValue[];

export interface LayerListLine {
  /** 1-based line number in the text. */
  line: number;
  /** The registry's layer type (`MaxPooling2D` and `maxpool2d` are both `MaxPool2D`). */
  className: string;
  /** Arguments by their config names (camelCase), positional ones included. */
  args: Record<string, LayerListValue>;
}

export interface LayerListOptions {
  name?: string;
  seed?: number;
  classNames?: string[];
  /** Default: 'margin' when the last layer is a CapsuleLength (capsule networks), else 'crossentropy'. */
  loss?: ModelLoss;
}

export type LayerListCheck =
  | { ok: true; model: Sequential; rows: SummaryRow[]; totals: SummaryTotals }
  | { ok: false; line: number | null; message: string };

/** Arguments that may be given without a name, in this order; formatLayerList always writes them. */
const keyArguments: Record<string, string[]> = {
  Conv2D: ['filters', 'kernelSize'],
  DepthwiseConv2D: ['kernelSize'],
  Dense: ['units'],
  Dropout: ['rate'],
  Activation: ['activation'],
  Rescaling: ['scale'],
  PatchWhitening: ['kernelSize'],
  MaxPool2D: ['poolSize'],
  AvgPool2D: ['poolSize'],
  PrimaryCapsules: ['capsules', 'capsuleDim', 'kernelSize'],
  RoutingCapsules: ['capsules', 'capsuleDim'],
};

/** Keras spellings, keyed like lookUpType's keys (lower case, no underscores). */
const typeAliases: Record<string, string> = {
  maxpooling2d: 'MaxPool2D',
  averagepooling2d: 'AvgPool2D',
  avgpooling2d: 'AvgPool2D',
  averagepool2d: 'AvgPool2D',
  convolution2d: 'Conv2D',
  depthwiseconvolution2d: 'DepthwiseConv2D',
  globalavgpool2d: 'GlobalAveragePooling2D',
  globalaveragepool2d: 'GlobalAveragePooling2D',
  globalmaxpool2d: 'GlobalMaxPooling2D',
  batchnorm: 'BatchNormalization',
};

const keywords: Record<string, boolean | null> = { true: true, false: false, True: true, False: false, null: null, None: null };

// ─── Parsing ────────────────────────────────────────────────────────────────────────────────

type TokenKind = 'name' | 'number' | 'string' | 'symbol' | 'end';
interface Token {
  kind: TokenKind;
  text: string;
  value?: number | string;
}

const describeToken = (t: Token): string => (t.kind === 'end' ? 'end of line' : `'${t.text}'`);

function tokenize(source: string, line: number): Token[] {
  const tokens: Token[] = [];
  const pattern = /\s*(?:([A-Za-z_][\w]*(?:\.[A-Za-z_]\w*)*)|([+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?)|(["'])|(#.*)|(\S))/y;
  for (let m = pattern.exec(source); m; m = pattern.exec(source)) {
    const [, name, number, quote, comment, other] = m;
    if (comment !== undefined) break;
    if (name !== undefined) tokens.push({ kind: 'name', text: name });
    else if (number !== undefined) tokens.push({ kind: 'number', text: number, value: Number(number) });
    else if (other !== undefined) tokens.push({ kind: 'symbol', text: other });
    else {
      const start = pattern.lastIndex;
      const { value, end } = readString(source, start, quote, line);
      tokens.push({ kind: 'string', text: source.slice(start - 1, end), value });
      pattern.lastIndex = end;
    }
  }
  tokens.push({ kind: 'end', text: '' });
  return tokens;
}

function readString(source: string, start: number, quote: string, line: number): { value: string; end: number } {
  const escapes: Record<string, string> = { n: '\n', t: '\t', r: '\r' };
  let value = '';
  for (let i = start; i < source.length; i++) {
    const c = source[i];
    if (c === quote) return { value, end: i + 1 };
    if (c !== '\\') value += c;
    else if (source[i + 1] === 'u' && /^[0-9a-fA-F]{4}$/.test(source.slice(i + 2, i + 6))) {
      value += String.fromCharCode(parseInt(source.slice(i + 2, i + 6), 16));
      i += 5;
    } else value += escapes[source[++i]] ?? source[i] ?? '';
  }
  throw new LayerListError(line, `expected a closing ${quote} for the string starting at column ${start}, found end of line`);
}

/** A cursor over one line's tokens. */
class LineParser {
  private at = 0;
  constructor(
    private readonly tokens: Token[],
    readonly line: number,
  ) {}

  peek(offset = 0): Token {
    return this.tokens[Math.min(this.at + offset, this.tokens.length - 1)];
  }
  next(): Token {
    return this.tokens[Math.min(this.at++, this.tokens.length - 1)];
  }
  accept(symbol: string): boolean {
    if (this.peek().kind !== 'symbol' || this.peek().text !== symbol) return false;
    this.at++;
    return true;
  }
  fail(expected: string): never {
    throw new LayerListError(this.line, `expected ${expected}, found ${describeToken(this.peek())}`);
  }

  value(): LayerListValue {
    const t = this.next();
    if (t.kind === 'number' || t.kind === 'string') return t.value!;
    if (t.kind === 'name') return Object.hasOwn(keywords, t.text) ? keywords[t.text] : t.text;
    const close = t.text === '[' ? ']' : t.text === '(' ? ')' : null;
    if (close === null) {
      this.at--;
      this.fail('a value (a number, true/false, a name, a quoted string, [list] or (tuple))');
    }
    const items: LayerListValue[] = [];
    while (!this.accept(close)) {
      items.push(this.value());
      if (!this.accept(',') && this.peek().text !== close) this.fail(`',' or '${close}'`);
    }
    return items;
  }
}

function parseLine(source: string, line: number): LayerListLine | null {
  const p = new LineParser(tokenize(source, line), line);
  if (p.peek().kind === 'end') return null;
  if (p.peek().kind !== 'name') p.fail('a layer type such as Conv2D(…)');
  const written = p.next().text;
  const className = lookUpType(written, line);
  const positional: LayerListValue[] = [];
  const named: [string, LayerListValue][] = [];
  if (!p.accept('(')) {
    if (p.peek().kind !== 'end') p.fail(`'(' after ${written}`);
  } else {
    while (!p.accept(')')) {
      if (p.peek().kind === 'name' && p.peek(1).text === '=') {
        const key = p.next().text;
        p.next();
        named.push([key, p.value()]);
      } else {
        if (named.length > 0) p.fail(`a named argument (name=value) after '${named[named.length - 1][0]}='`);
        positional.push(p.value());
      }
      if (!p.accept(',') && p.peek().text !== ')') p.fail(`',' or ')' after the argument`);
    }
    if (p.peek().kind !== 'end') p.fail(`end of line after ${written}(…)`);
  }
  return { line, className, args: argumentsByName(className, positional, named, line) };
}

function lookUpType(written: string, line: number): string {
  const name = written.slice(written.lastIndexOf('.') + 1);
  const key = (s: string) => s.toLowerCase().replaceAll('_', '');
  const type = layerTypes().find((t) => key(t) === key(name)) ?? typeAliases[key(name)];
  if (type && layerTypes().includes(type)) return type;
  throw new LayerListError(line, new UnknownNameError('layer type', name, layerTypes()).message);
}

const camelCase = (name: string): string => name.replace(/_+([a-z0-9])/g, (_, c: string) => c.toUpperCase());

function argumentsByName(className: string, positional: LayerListValue[], named: [string, LayerListValue][], line: number): Record<string, LayerListValue> {
  const keys = keyArguments[className] ?? [];
  if (positional.length > keys.length) {
    const takes = keys.length === 0 ? 'only named arguments (name=value)' : `at most ${keys.length} unnamed argument(s) (${keys.join(', ')})`;
    throw new LayerListError(line, `${className} takes ${takes}, found ${positional.length} unnamed`);
  }
  const args: Record<string, LayerListValue> = {};
  positional.forEach((v, i) => (args[keys[i]] = v));
  for (const [written, value] of named) {
    const key = camelCase(written);
    if (Object.hasOwn(args, key)) throw new LayerListError(line, `expected each argument once, found '${key}' given twice`);
    // Keras' snake_case names of activations and initializers ('leaky_relu', 'he_uniform').
    const kerasName = (key === 'activation' || key.endsWith('Initializer')) && typeof value === 'string';
    args[key] = kerasName ? camelCase(value as string) : value;
  }
  return args;
}

/** The layers of a layer list as written, checked for syntax and layer types (not yet built). */
export function parseLayerList(text: string): LayerListLine[] {
  return text.split(/\r\n|\r|\n/).flatMap((source, i) => parseLine(source, i + 1) ?? []);
}

// ─── Building ───────────────────────────────────────────────────────────────────────────────

/** Fields every layer has, which are not arguments. */
const layerFields = new Set(['type', 'inputShape', 'outputShape', 'weights', 'arity']);

function layerFromLine({ line, className, args }: LayerListLine): Layer {
  if (Object.hasOwn(args, 'name') && typeof args.name !== 'string') throw new LayerListError(line, `expected name to be a string, found ${JSON.stringify(args.name)}`);
  let layer: Layer;
  try {
    layer = layerFromConfig({ ...args, type: className } as LayerConfig);
  } catch (error) {
    throw new LayerListError(line, error instanceof Error ? error.message : String(error), { cause: error });
  }
  const config = layer.getConfig();
  const fields = layer as unknown as Record<string, unknown>;
  // A layer may leave an argument at its default out of getConfig (Conv2D groups, Activation alpha); it still keeps it as a field.
  const isField = (key: string) => !layerFields.has(key) && fields[key] != null && typeof fields[key] !== 'function';
  const accepts = (key: string) => key !== 'type' && (Object.hasOwn(config, key) || isField(key));
  for (const key of Object.keys(args)) {
    if (!accepts(key)) {
      const known = [...Object.keys(config).filter((k) => k !== 'type' && k !== 'name'), 'name'];
      const hint = key === 'inputShape' ? ' (the input shape is given to the model, not to a layer)' : '';
      throw new LayerListError(line, `${className} has no argument '${key}'${hint}; expected one of: ${known.join(', ')}`);
    }
  }
  return layer;
}

/** Builds the layers of a layer list through the layer registry; `lines[i]` is the line of `layers[i]`. */
export function layersFromList(text: string): { layers: Layer[]; lines: number[] } {
  const parsed = parseLayerList(text);
  return { layers: parsed.map(layerFromLine), lines: parsed.map((p) => p.line) };
}

/** The layer whose build fails: built one by one, as Sequential.build does. */
function failingLayer(layers: readonly Layer[], inputShape: Shape): number | null {
  const rng = new Rng(0);
  let shape = inputShape;
  for (let i = 0; i < layers.length; i++) {
    try {
      shape = layers[i].build(shape, rng);
      layers[i].checkModelInput(inputShape);
    } catch {
      return i;
    }
  }
  return null;
}

const isUserError = (error: unknown): error is Error => error instanceof FoveaError || error instanceof RangeError;

/** A built Sequential model from a layer list; every mistake is a LayerListError naming its line. */
export function sequentialFromLayerList(text: string, inputShape: Shape, options: LayerListOptions = {}): Sequential {
  if (!Array.isArray(inputShape) || inputShape.length === 0 || !inputShape.every((d) => Number.isInteger(d) && d > 0)) {
    throw new ArgumentError(`the input shape must be a list of positive integers such as [28, 28, 1], got ${JSON.stringify(inputShape)}`);
  }
  const { layers, lines } = layersFromList(text);
  if (layers.length === 0) throw new LayerListError(null, 'expected at least one layer, e.g. Dense(units=10), found none');
  const model = new Sequential([], { name: options.name, inputShape });
  layers.forEach((layer, i) => {
    try {
      model.add(layer);
    } catch (error) {
      throw isUserError(error) ? new LayerListError(lines[i], error.message, { cause: error }) : error;
    }
  });
  try {
    model.build({ seed: options.seed ?? 0 });
  } catch (error) {
    if (!isUserError(error)) throw error;
    const index = failingLayer(layers, inputShape);
    const layer = index === null ? null : layers[index];
    const message = error instanceof RangeError && layer ? `layer '${layer.name}' (${layer.type}) cannot allocate its weights: ${error.message}` : error.message;
    throw new LayerListError(index === null ? null : lines[index], message, { cause: error });
  }
  if (options.classNames) model.classNames = [...options.classNames];
  model.loss = options.loss ?? (layers[layers.length - 1].type === 'CapsuleLength' ? 'margin' : 'crossentropy');
  return model;
}

/** Builds a layer list for a live editor: the model and its summary rows, or the first mistake and its line. Never throws for mistakes in the text. */
export function checkLayerList(text: string, inputShape: Shape, options: LayerListOptions = {}): LayerListCheck {
  try {
    const model = sequentialFromLayerList(text, inputShape, options);
    return { ok: true, model, ...summaryRows(model.layers) };
  } catch (error) {
    if (error instanceof LayerListError) return { ok: false, line: error.line, message: error.message };
    if (error instanceof FoveaError) return { ok: false, line: null, message: error.message };
    throw error;
  }
}

// ─── Writing ────────────────────────────────────────────────────────────────────────────────

function formatValue(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(formatValue).join(', ')}]`;
  if (typeof value === 'string') return /^[A-Za-z_]\w*$/.test(value) && !Object.hasOwn(keywords, value) ? value : JSON.stringify(value);
  if (value === null || typeof value === 'boolean' || (typeof value === 'number' && Number.isFinite(value))) return String(value);
  throw new ArgumentError(`a layer list cannot hold the value ${JSON.stringify(value)}`);
}

/** The arguments that rebuild `layer`: its config without defaults, pairs such as [3, 3] written 3, the name only when not the automatic one. */
function essentialArguments(layer: Layer, autoName: string): Record<string, unknown> {
  const { type, name, ...config } = layer.getConfig();
  const withoutName = ({ type: _type, name: _name, ...rest }: LayerConfig) => JSON.stringify(rest);
  const target = withoutName(layer.getConfig());
  const rebuildsSame = (candidate: Record<string, unknown>) => {
    try {
      return withoutName(layerFromConfig({ ...candidate, type, name: '' }).getConfig()) === target;
    } catch {
      return false;
    }
  };
  let args: Record<string, unknown> = { ...config };
  for (const [key, value] of Object.entries(config)) {
    const { [key]: _dropped, ...without } = args;
    if (!keyArguments[type]?.includes(key) && rebuildsSame(without)) args = without;
    else if (Array.isArray(value) && value.length === 2 && value[0] === value[1] && typeof value[0] === 'number' && rebuildsSame({ ...args, [key]: value[0] })) {
      args = { ...args, [key]: value[0] };
    }
  }
  return name === autoName ? args : { ...args, name };
}

/** The layer-list text of a Sequential model, one layer per line; parsing it rebuilds the same architecture. */
export function formatLayerList(model: Sequential): string {
  const taken = new Set<string>();
  return model.layers
    .map((layer) => {
      const args = essentialArguments(layer, uniqueLayerName(layer.type, taken));
      taken.add(layer.name);
      return `${layer.type}(${Object.entries(args).map(([k, v]) => `${k}=${formatValue(v)}`).join(', ')})`;
    })
    .join('\n');
}
