/**
 * An entry of an Argo CD Application's `spec.ignoreDifferences`: a field that a controller in the
 * cluster changes on purpose, so Argo CD must not report (or revert) it as drift. Use together
 * with the sync option `RespectIgnoreDifferences=true`.
 *
 * Plain data: serialise it into your Application (or ApplicationSet template) as it is.
 *
 * @see https://argo-cd.readthedocs.io/en/stable/user-guide/diffing/
 */
export interface ArgoCdIgnoreDifference {
  /** API group of the object, `''` for the core group. */
  readonly group: string;
  /** Kind of the object. */
  readonly kind: string;
  /**
   * Name of the object.
   * @default - every object of the kind
   */
  readonly name?: string;
  /**
   * Namespace of the object.
   * @default - every namespace
   */
  readonly namespace?: string;
  /**
   * JSON pointers of the ignored fields, e.g. `/spec/replicas`.
   * @default - none
   */
  readonly jsonPointers?: string[];
  /**
   * jq path expressions of the ignored fields, e.g. `.spec.http[].route[].weight`.
   * @default - none
   */
  readonly jqPathExpressions?: string[];
}
