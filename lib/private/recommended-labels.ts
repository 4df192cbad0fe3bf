import { IConstruct } from 'constructs';
import { objectName } from './zero-trust/names';

type Labels = { [key: string]: string };

/** What the objects of a construct are about, for the Kubernetes recommended labels. */
export interface LabelSubject {
  /** `app.kubernetes.io/name`: the namespace, service or gateway the objects are for. */
  readonly name: string;
  /** `app.kubernetes.io/component`: the role, e.g. `zero-trust`, `routing`, `ingress-gateway`. */
  readonly component: string;
  /** `app.kubernetes.io/part-of`: the application: `istio` for mesh components, else the namespace. */
  readonly partOf: string;
}

/**
 * The Kubernetes recommended labels (app.kubernetes.io/*) every object of a library construct
 * carries, so Argo CD, Kiali and `kubectl -l` users can find them: `instance` is the construct's
 * path in the app (unique per construct), `managed-by` this library. Pod templates are not
 * labelled: their labels are selectors.
 *
 * @see https://kubernetes.io/docs/concepts/overview/working-with-objects/common-labels/
 */
export function recommendedLabels(owner: IConstruct, subject: LabelSubject): Labels {
  return {
    'app.kubernetes.io/name': objectName(subject.name),
    'app.kubernetes.io/instance': objectName(...owner.node.path.split('/')),
    'app.kubernetes.io/component': subject.component,
    'app.kubernetes.io/part-of': objectName(subject.partOf),
    'app.kubernetes.io/managed-by': 'cdk8s-istio',
  };
}
