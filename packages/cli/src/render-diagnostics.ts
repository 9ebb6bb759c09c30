import { formatDiagnostic, type Diagnostic } from '@mvkit/compiler';

export function renderText(diagnostics: readonly Diagnostic[]): string {
  return diagnostics.map(formatDiagnostic).join('\n');
}

/** GitHub Actions workflow commands: annotations on the pull request's files. */
export function renderGithub(diagnostics: readonly Diagnostic[]): string {
  const esc = (s: string) => s.replace(/%/g, '%25').replace(/\r/g, '%0D').replace(/\n/g, '%0A');
  return diagnostics
    .map((d) => {
      const props = [d.file && `file=${d.file}`, d.line && `line=${d.line}`, d.column && `col=${d.column}`, `title=${d.code}`].filter(Boolean).join(',');
      return `::${d.severity === 'error' ? 'error' : 'warning'} ${props}::${esc(`${d.model ? `[${d.model}] ` : ''}${d.message}${d.hint ? ` (hint: ${d.hint})` : ''}`)}`;
    })
    .join('\n');
}

export function summary(diagnostics: readonly Diagnostic[]): string {
  const errors = diagnostics.filter((d) => d.severity === 'error').length;
  const warnings = diagnostics.length - errors;
  return `${errors} error(s), ${warnings} warning(s)`;
}
