import { MvkitError } from '@mvkit/compiler';

/** A request the API refuses: bad parameters (400). The message says what and how to fix it. */
export class BadRequestError extends MvkitError {
  readonly status = 400;
}

/** A tokens file that cannot be read or is malformed (exit 2, like unreadable input). */
export class TokensFileError extends MvkitError {
  override readonly exitCode = 2;
}

/** The project serves nothing the API can show (no view with a tenant column). */
export class ServeSetupError extends MvkitError {}
