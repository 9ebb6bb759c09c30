import { UsageError } from '@mvkit/compiler/errors';

/**
 * Parsers for commander option values. A value that does not parse is a usage error (exit 2)
 * naming the option, the value and an example.
 */
export function integerOption(flag: string, options: { min?: number; hint: string }): (value: string) => number {
  const { min } = options;
  return (value) => {
    const n = Number(value);
    if (value.trim() === '' || !Number.isInteger(n) || (min !== undefined && n < min)) {
      throw new UsageError(`${flag} must be a whole number${min === undefined ? '' : ` of at least ${min}`}, not "${value}"`, { hint: options.hint });
    }
    return n;
  };
}

export function secondsOption(flag: string, hint: string): (value: string) => number {
  return (value) => {
    const n = Number(value);
    if (value.trim() === '' || !Number.isFinite(n) || n < 0) throw new UsageError(`${flag} must be a number of seconds (0 or more), not "${value}"`, { hint });
    return n;
  };
}
