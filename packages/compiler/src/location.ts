export interface SourceLoc {
  file: string;
  line: number;
  column: number;
}

const FRAME = /\(?((?:file:\/\/)?\/[^():]+|[A-Za-z]:\\[^():]+):(\d+):(\d+)\)?$/;

/**
 * Where the model declaration that is being built sits in its file: the first stack frame
 * outside the compiler's own sources. Model files are loaded through tsx with source maps,
 * so this is the TypeScript line the analyst wrote.
 */
export function callSite(): SourceLoc {
  const stack = new Error().stack?.split('\n').slice(1) ?? [];
  for (const frame of stack) {
    const m = FRAME.exec(frame.trim());
    if (!m) continue;
    const file = m[1]!.replace(/^file:\/\//, '');
    if (file.includes('/packages/compiler/src/') || file.includes('/node_modules/')) continue;
    return { file, line: Number(m[2]), column: Number(m[3]) };
  }
  return { file: '<unknown>', line: 1, column: 1 };
}
