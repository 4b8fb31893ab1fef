/** One problem with a resource, located by a path like `filter_chains[0].filters[1].typed_config.stat_prefix`. */
export interface FieldError {
  readonly path: string;
  /** The PGV rule that failed (`string.min_len`, `oneof.required`, ...); absent for conversion errors. */
  readonly rule?: string;
  readonly message: string;
}

export function formatFieldError(e: FieldError): string {
  return e.path === '' ? e.message : `${e.path}: ${e.message}`;
}
