/**
 * Flag parsing helpers shared by the benchmark scripts, which parse with Node's util.parseArgs
 * (strict: an unknown flag or a missing value throws).
 */

/** Runs `parse`; an error it throws gets the script's usage appended. */
export function withUsage<T>(parse: () => T, usage: () => string): T {
  try {
    return parse();
  } catch (e) {
    throw new Error(`${(e as Error).message}\n${usage()}`);
  }
}

/** Prints the usage and exits when --help / -h was given. */
export function exitOnHelp(help: boolean | undefined, usage: () => string): void {
  if (!help) return;
  console.log(usage());
  process.exit(0);
}

/** `text` as a number > 0, or an error naming the flag. */
export function positiveNumber(text: string, flag: string): number {
  const n = Number(text);
  if (!(n > 0)) throw new Error(`--${flag} needs a positive number, got '${text}'`);
  return n;
}
