import { MvkitError } from '../errors.ts';

/** The SQL of an MV could not be parsed. line/column are 1-based, in the text the user wrote. */
export class SqlParseError extends MvkitError {
  override readonly exitCode: number = 2;
  readonly line: number;
  readonly column: number;
  constructor(message: string, line: number, column: number, options: { hint?: string; cause?: unknown } = {}) {
    super(message, options);
    this.line = line;
    this.column = column;
  }
}
