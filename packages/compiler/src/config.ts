/** A deployment target of a project. */
export type TargetConfig =
  | { readonly engine: 'pglite'; readonly dataDir?: string }
  | { readonly engine: 'postgres'; readonly url?: string }
  | { readonly engine: 'redshift'; readonly url?: string };

export interface ProjectConfig {
  readonly name: string;
  readonly modelsDir?: string;
  readonly macrosDir?: string;
  /** Turn an MV that Redshift would recompute fully into an error (CI). */
  readonly requireIncremental?: boolean;
  readonly targets?: Readonly<Record<string, TargetConfig>>;
  readonly defaultTarget?: string;
  /** Where `mvkit load` picks up CDC files. */
  readonly landingDir?: string;
}

export function defineConfig(config: ProjectConfig): ProjectConfig {
  return config;
}
