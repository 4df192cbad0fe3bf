import { ApiObject } from 'cdk8s';
import { IConstruct } from 'constructs';

/**
 * Every ApiObject a construct has rendered so far, in construct-tree order: the escape hatch of
 * constructs that render more than one object (`ApiObject.of()` needs a single default child).
 */
export function ownedApiObjects(scope: IConstruct): ApiObject[] {
  return scope.node.findAll().filter((c): c is ApiObject => ApiObject.isApiObject(c));
}
