/** A problem found in a project, returned as data by every pass. Only the CLI prints. */
export interface Diagnostic {
  code: string;
  severity: 'error' | 'warning';
  message: string;
  model?: string;
  file?: string;
  line?: number;
  column?: number;
  hint?: string;
}

/** Root of every error mvkit throws on purpose; the CLI prints these without a stack trace. */
export class MvkitError extends Error {
  readonly hint?: string;
  readonly exitCode: number = 1;
  constructor(message: string, options: { hint?: string; cause?: unknown } = {}) {
    super(message, { cause: options.cause });
    this.name = new.target.name;
    this.hint = options.hint;
  }
}

/** The command line asks for something that does not exist (exit code 2, like a usage error). */
export class UsageError extends MvkitError {
  override readonly exitCode = 2;
}

/** A model file could not be loaded or declares something impossible. */
export class ModelError extends MvkitError {
  readonly diagnostics: Diagnostic[];
  constructor(message: string, diagnostics: Diagnostic[] = [], options: { hint?: string; cause?: unknown } = {}) {
    super(message, options);
    this.diagnostics = diagnostics;
  }
}

/** Compilation stopped on diagnostics of severity error. */
export class CompileError extends MvkitError {
  readonly diagnostics: Diagnostic[];
  constructor(diagnostics: Diagnostic[]) {
    const errors = diagnostics.filter((d) => d.severity === 'error');
    super(`${errors.length} error(s) in the project:\n${errors.map(formatDiagnostic).join('\n')}`);
    this.diagnostics = diagnostics;
  }
}

/** A target cannot express something the project asks for. Never a silent downgrade. */
export class DialectError extends MvkitError {}

export function formatDiagnostic(d: Diagnostic): string {
  const where = d.file ? `${d.file}:${d.line ?? 1}:${d.column ?? 1}: ` : '';
  const model = d.model ? ` [${d.model}]` : '';
  const hint = d.hint ? `\n    hint: ${d.hint}` : '';
  return `${where}${d.severity} ${d.code}${model}: ${d.message}${hint}`;
}
