// Command gateway-translate runs istiod's Gateway API translation (Istio 1.30,
// pilot/pkg/config/kube/gateway) on the objects of YAML files and prints the internal Istio config it
// produces: the VirtualServices (mesh routes for HTTPRoutes whose parent is a Service, gateway routes
// for Gateway parents), Gateways and DestinationRules, and the status istiod would write on the input.
//
// It is set up like Istio's own conversion tests (conversion_test.go TestConvertResources): a fake
// cluster holding the input and the Gateway API CRDs, a push context whose service registry holds the
// input's Services, the controller run to sync, then Controller.List for each output kind.
//
// Usage: gateway-translate INPUT.yaml [INPUT.yaml...]
//
//	INPUT: Namespaces, Services, HTTPRoutes, GRPCRoutes, Gateways, GatewayClasses, ReferenceGrants,
//	ServiceEntries... (any kind Istio's codec knows; other kinds are skipped and named on stderr).
//	Namespaces that objects use are created when missing; GatewayClass `istio` is added when missing.
//
// Prints one JSON object: {"virtualServices": [...], "gateways": [...], "destinationRules": [...],
// "status": [{"kind", "namespace", "name", "status"}]}, each list sorted by namespace and name.
// The cluster's domain suffix is cluster.local.
package main

import (
	"cdk8s-istio.local/istioctl/internal/manifests"
	"encoding/json"
	"fmt"
	"os"
	"reflect"
	"sort"
	"sync"
	"unsafe"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	gatewayv1 "sigs.k8s.io/gateway-api/apis/v1"
	"sigs.k8s.io/gateway-api/pkg/consts"

	"istio.io/istio/pilot/pkg/config/kube/crd"
	"istio.io/istio/pilot/pkg/config/kube/gateway"
	"istio.io/istio/pilot/pkg/features"
	"istio.io/istio/pilot/pkg/model"
	"istio.io/istio/pilot/pkg/networking/core"
	kubeconvert "istio.io/istio/pilot/pkg/serviceregistry/kube"
	kubecontroller "istio.io/istio/pilot/pkg/serviceregistry/kube/controller"
	"istio.io/istio/pilot/pkg/status"
	"istio.io/istio/pkg/config"
	"istio.io/istio/pkg/config/constants"
	"istio.io/istio/pkg/config/schema/gvk"
	"istio.io/istio/pkg/config/schema/gvr"
	"istio.io/istio/pkg/kube"
	"istio.io/istio/pkg/kube/controllers"
	"istio.io/istio/pkg/kube/kclient/clienttest"
	istiolog "istio.io/istio/pkg/log"
	"istio.io/istio/pkg/test"
)

const domainSuffix = "cluster.local"

func main() {
	if len(os.Args) < 2 {
		fail(fmt.Errorf("usage: gateway-translate INPUT.yaml [INPUT.yaml...]"))
	}
	logOptions := istiolog.DefaultOptions()
	logOptions.OutputPaths = []string{"stderr"}
	logOptions.ErrorOutputPaths = []string{"stderr"}
	if err := istiolog.Configure(logOptions); err != nil {
		fail(err)
	}
	var objs []runtime.Object
	for _, f := range os.Args[1:] {
		b, err := os.ReadFile(f)
		if err != nil {
			fail(err)
		}
		objs = append(objs, decode(f, string(b))...)
	}
	objs = withDefaults(objs)

	// As Istio's conversion tests: GatewayClasses are given, not written by the class controller.
	features.EnableGatewayAPIGatewayClassController = false
	var out []byte
	err := test.Wrap(func(t test.Failer) {
		out = translate(t, objs)
	})
	if err != nil {
		fail(err)
	}
	os.Stdout.Write(out)
}

// decode reads the documents of a YAML stream; kinds Istio's codec does not know are skipped.
func decode(file, text string) []runtime.Object {
	objs, err := manifests.Decode(file, text, func(kind string) {
		fmt.Fprintf(os.Stderr, "gateway-translate: %s: skipping %s (not a kind istiod reads)\n", file, kind)
	})
	if err != nil {
		fail(err)
	}
	return objs
}

// withDefaults adds the Namespaces the objects live in and GatewayClass istio when they are missing.
func withDefaults(objs []runtime.Object) []runtime.Object {
	namespaces := map[string]bool{}
	haveNs := map[string]bool{}
	haveClass := false
	for _, o := range objs {
		switch x := o.(type) {
		case *corev1.Namespace:
			haveNs[x.Name] = true
		case *gatewayv1.GatewayClass:
			haveClass = haveClass || x.Name == "istio"
		}
		if ns := o.(controllers.Object).GetNamespace(); ns != "" {
			namespaces[ns] = true
		}
	}
	for _, ns := range sortedKeys(namespaces) {
		if !haveNs[ns] {
			objs = append(objs, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: ns}})
		}
	}
	if !haveClass {
		objs = append(objs, &gatewayv1.GatewayClass{
			ObjectMeta: metav1.ObjectMeta{Name: "istio"},
			Spec:       gatewayv1.GatewayClassSpec{ControllerName: gatewayv1.GatewayController(features.ManagedGatewayController)},
		})
	}
	return objs
}

func translate(t test.Failer, objs []runtime.Object) []byte {
	stop := test.NewStop(t)
	kc := kube.NewFakeClient(objs...)
	for _, crdGvr := range []schema.GroupVersionResource{
		gvr.KubernetesGateway, gvr.ReferenceGrant, gvr.ListenerSet, gvr.GatewayClass, gvr.HTTPRoute, gvr.GRPCRoute, gvr.TCPRoute,
		gvr.TLSRoute, gvr.ServiceEntry, gvr.XBackendTrafficPolicy, gvr.BackendTLSPolicy, gvr.InferencePool,
	} {
		clienttest.MakeCRDWithAnnotations(t, kc, crdGvr, map[string]string{consts.BundleVersionAnnotation: consts.BundleVersion})
	}

	// istiod's service registry: the input's Services, one instance per port (gateway addresses, hostname lookups).
	var services []*model.Service
	var instances []*model.ServiceInstance
	for _, o := range objs {
		svc, ok := o.(*corev1.Service)
		if !ok {
			continue
		}
		ms := kubeconvert.ConvertService(*svc, nil, domainSuffix, constants.DefaultClusterName, domainSuffix)
		services = append(services, ms)
		for _, port := range ms.Ports {
			instances = append(instances, &model.ServiceInstance{Service: ms, ServicePort: port, Endpoint: &model.IstioEndpoint{EndpointPort: uint32(port.Port)}})
		}
	}
	cg := core.NewConfigGenTest(t, core.TestOptions{Services: services, Instances: instances})

	ctrl := gateway.NewController(kc, func(schema.GroupVersionResource, <-chan struct{}) bool { return true },
		kubecontroller.Options{DomainSuffix: domainSuffix}, nil)
	queue := &statusQueue{state: map[status.Resource]any{}}
	go ctrl.Run(stop)
	kc.RunAndWait(stop)
	ctrl.Reconcile(cg.PushContext())
	kube.WaitForCacheSync("gateway-translate", stop, ctrl.HasSynced)
	for _, s := range statusCollections(ctrl).SetQueue(queue) {
		s.WaitUntilSynced(stop)
	}

	result := map[string]any{
		"virtualServices":  convert(t, ctrl.List(gvk.VirtualService, "")),
		"gateways":         convert(t, ctrl.List(gvk.Gateway, "")),
		"destinationRules": convert(t, ctrl.List(gvk.DestinationRule, "")),
		"status":           queue.dump(),
	}
	b, err := json.MarshalIndent(result, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	return append(b, '\n')
}

// convert writes internal configs as Kubernetes objects, sorted by namespace and name.
func convert(t test.Failer, cfgs []config.Config) []any {
	sort.Slice(cfgs, func(i, j int) bool {
		if cfgs[i].Namespace != cfgs[j].Namespace {
			return cfgs[i].Namespace < cfgs[j].Namespace
		}
		return cfgs[i].Name < cfgs[j].Name
	})
	out := []any{}
	for _, c := range cfgs {
		obj, err := crd.ConvertConfig(c)
		if err != nil {
			t.Fatalf("converting %s/%s: %v", c.Namespace, c.Name, err)
		}
		out = append(out, obj)
	}
	return out
}

// statusCollections reads the controller's private status collections (Istio's tests set their queue the same way).
func statusCollections(c *gateway.Controller) *status.StatusCollections {
	field := reflect.ValueOf(c).Elem().FieldByName("status")
	return reflect.NewAt(field.Type(), unsafe.Pointer(field.UnsafeAddr())).Elem().Interface().(*status.StatusCollections)
}

// statusQueue records the last status istiod would write for each input object.
type statusQueue struct {
	mu    sync.Mutex
	state map[status.Resource]any
}

func (q *statusQueue) EnqueueStatusUpdateResource(context any, target status.Resource) {
	q.mu.Lock()
	defer q.mu.Unlock()
	q.state[target] = context
}

func (q *statusQueue) dump() []any {
	q.mu.Lock()
	defer q.mu.Unlock()
	keys := make([]status.Resource, 0, len(q.state))
	for k := range q.state {
		keys = append(keys, k)
	}
	sort.Slice(keys, func(i, j int) bool { return keys[i].String() < keys[j].String() })
	out := []any{}
	for _, k := range keys {
		kind := k.Resource
		if g, ok := gvk.FromGVR(k.GroupVersionResource); ok {
			kind = g.Kind
		}
		out = append(out, map[string]any{"kind": kind, "namespace": k.Namespace, "name": k.Name, "status": withoutTimes(q.state[k])})
	}
	return out
}

// withoutTimes is a status as plain JSON without its lastTransitionTime stamps, so the output is deterministic.
func withoutTimes(st any) any {
	b, err := json.Marshal(st)
	if err != nil {
		fail(err)
	}
	var v any
	if err := json.Unmarshal(b, &v); err != nil {
		fail(err)
	}
	var strip func(any)
	strip = func(x any) {
		switch y := x.(type) {
		case map[string]any:
			delete(y, "lastTransitionTime")
			for _, e := range y {
				strip(e)
			}
		case []any:
			for _, e := range y {
				strip(e)
			}
		}
	}
	strip(v)
	return v
}

func sortedKeys(m map[string]bool) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

func fail(err error) {
	fmt.Fprintln(os.Stderr, "gateway-translate:", err)
	os.Exit(1)
}
