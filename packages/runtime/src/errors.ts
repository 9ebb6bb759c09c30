import { MvkitError } from '@mvkit/compiler';

/** The target cannot be reached. */
export class ConnectionError extends MvkitError {}
/** Another apply holds the lock. */
export class LockError extends MvkitError {}
/** A plan stage would lose data and the flag that allows it was not given. */
export class DestructiveChangeError extends MvkitError {}
/** Refreshing or verifying a node failed. */
export class RefreshError extends MvkitError {}
/** A CDC file or row cannot be loaded. */
export class LoadError extends MvkitError {}
