// Command ambient-status runs istiod's ambient index (Istio 1.30, pilot/pkg/serviceregistry/ambient)
// on the objects of YAML files and prints what istiod would report for them in ambient mode: for each
// AuthorizationPolicy ztunnel receives, its ZtunnelAccepted condition (reason and message; istiod
// accepts policies with HTTP attributes with reason UnsupportedValue), and for each Service its
// istio.io/WaypointBound condition (the waypoint it is bound to, or why not: WaypointIsNotReady,
// AttachmentDenied, UnsupportedTrafficType), and for each Pod whether ztunnel sends its traffic to a
// waypoint (istiod writes no status on Pods; a refused binding shows as no waypoint).
//
// It is set up like Istio's own ambient index tests (ambientindex_test.go): a fake cluster holding the
// input and the CRDs the index watches, a multicluster controller for the local cluster, and the index
// run until synced. As a cluster would: a Service without a ClusterIP gets one, a Pod an IP and a
// Ready condition, and a waypoint Gateway
// (class istio-waypoint) without status gets an address, which istiod's deployment controller writes
// once the waypoint's pod is ready (the index ignores Gateways without one).
//
// Usage: ambient-status INPUT.yaml
//
// Prints one JSON object: {"policies": [{"namespace", "name", "reason", "message"}],
// "services": [{"namespace", "name", "waypoint", "reason", "message"}], "workloads": [{"namespace",
// "name", "waypointBound"}]}, sorted by namespace and name.
package main

import (
	"cdk8s-istio.local/istioctl/internal/manifests"
	"encoding/json"
	"fmt"
	"os"
	"sort"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/client-go/rest"
	gatewayv1 "sigs.k8s.io/gateway-api/apis/v1"

	"istio.io/istio/pilot/pkg/serviceregistry/ambient"
	"istio.io/istio/pilot/pkg/serviceregistry/util/xdsfake"
	"istio.io/istio/pkg/activenotifier"
	"istio.io/istio/pkg/cluster"
	"istio.io/istio/pkg/config/mesh/meshwatcher"
	"istio.io/istio/pkg/config/schema/gvr"
	"istio.io/istio/pkg/kube"
	"istio.io/istio/pkg/kube/kclient/clienttest"
	"istio.io/istio/pkg/kube/krt"
	"istio.io/istio/pkg/kube/multicluster"
	istiolog "istio.io/istio/pkg/log"
	"istio.io/istio/pkg/test"
)

const (
	domainSuffix = "cluster.local"
	systemNS     = "istio-system"
	clusterID    = cluster.ID("Kubernetes")
)

type policy struct {
	Namespace string `json:"namespace"`
	Name      string `json:"name"`
	Reason    string `json:"reason"`
	Message   string `json:"message"`
}

// workload is a Pod as ztunnel sees it: whether its traffic is sent to a waypoint.
type workload struct {
	Namespace     string `json:"namespace"`
	Name          string `json:"name"`
	WaypointBound bool   `json:"waypointBound"`
}

type service struct {
	Namespace string `json:"namespace"`
	Name      string `json:"name"`
	Waypoint  string `json:"waypoint,omitempty"`
	Reason    string `json:"reason,omitempty"`
	Message   string `json:"message,omitempty"`
}

func main() {
	if len(os.Args) != 2 {
		fail(fmt.Errorf("usage: ambient-status INPUT.yaml"))
	}
	logOptions := istiolog.DefaultOptions()
	logOptions.OutputPaths = []string{"stderr"}
	logOptions.ErrorOutputPaths = []string{"stderr"}
	if err := istiolog.Configure(logOptions); err != nil {
		fail(err)
	}
	b, err := os.ReadFile(os.Args[1])
	if err != nil {
		fail(err)
	}
	objs := asInCluster(decode(os.Args[1], string(b)))
	var out []byte
	if err := test.Wrap(func(t test.Failer) { out = run(t, objs) }); err != nil {
		fail(err)
	}
	os.Stdout.Write(out)
}

// decode reads the documents of a YAML stream; kinds Istio's codec does not know are skipped.
func decode(file, text string) []runtime.Object {
	objs, err := manifests.Decode(file, text, func(kind string) {})
	if err != nil {
		fail(err)
	}
	return objs
}

// asInCluster gives Services a ClusterIP and waypoint Gateways a status address, as a cluster would.
func asInCluster(objs []runtime.Object) []runtime.Object {
	n := 0
	for _, o := range objs {
		switch x := o.(type) {
		case *corev1.Service:
			if x.Spec.ClusterIP == "" && x.Spec.Type != corev1.ServiceTypeExternalName {
				n++
				x.Spec.ClusterIP = fmt.Sprintf("10.96.0.%d", n)
				x.Spec.ClusterIPs = []string{x.Spec.ClusterIP}
			}
		case *corev1.Pod:
			if x.Status.PodIP == "" {
				n++
				x.Status.Phase = corev1.PodRunning
				x.Status.PodIP = fmt.Sprintf("10.244.0.%d", n)
				x.Status.PodIPs = []corev1.PodIP{{IP: x.Status.PodIP}}
				x.Status.Conditions = []corev1.PodCondition{{Type: corev1.PodReady, Status: corev1.ConditionTrue}}
			}
		case *gatewayv1.Gateway:
			if x.Spec.GatewayClassName == "istio-waypoint" && len(x.Status.Addresses) == 0 {
				n++
				ip := gatewayv1.IPAddressType
				x.Status.Addresses = []gatewayv1.GatewayStatusAddress{{Type: &ip, Value: fmt.Sprintf("10.96.1.%d", n)}}
			}
		}
	}
	return objs
}

func run(t test.Failer, objs []runtime.Object) []byte {
	stop := test.NewStop(t)
	cl := kube.NewFakeClient(objs...)
	crds := []schema.GroupVersionResource{gvr.AuthorizationPolicy, gvr.PeerAuthentication, gvr.KubernetesGateway, gvr.GatewayClass, gvr.WorkloadEntry, gvr.ServiceEntry}
	for _, crd := range crds {
		clienttest.MakeCRD(t, cl, crd)
	}
	meshConfig := meshwatcher.NewTestWatcher(nil)
	mc := multicluster.NewController(multicluster.ControllerOptions{
		Client:          cl,
		ClusterID:       clusterID,
		SystemNamespace: systemNS,
		MeshConfig:      meshConfig,
		ClientBuilder: func([]byte, cluster.ID, ...func(*rest.Config)) (kube.Client, error) {
			return nil, fmt.Errorf("no remote clusters")
		},
		Debugger: krt.GlobalDebugHandler,
	})
	if err := mc.Run(stop); err != nil {
		t.Fatal(err)
	}
	up := xdsfake.NewFakeXDS()
	idx := ambient.New(ambient.Options{
		SystemNamespace:        systemNS,
		DomainSuffix:           domainSuffix,
		ClusterID:              clusterID,
		XDSUpdater:             up,
		StatusNotifier:         activenotifier.New(false),
		Debugger:               krt.GlobalDebugHandler,
		MeshConfig:             meshConfig,
		MultiClusterController: mc,
	})
	cl.RunAndWait(stop)
	go idx.Run(stop)
	kube.WaitForCacheSync("ambient-status", stop, idx.HasSynced)

	result := map[string]any{"policies": policies(idx), "services": services(idx, objs), "workloads": workloads(idx)}
	b, err := json.MarshalIndent(result, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	return append(b, '\n')
}

func policies(idx ambient.Index) []policy {
	out := []policy{}
	for _, p := range idx.Policies(nil) {
		if p.Authorization == nil {
			continue
		}
		e := policy{Namespace: p.Authorization.Namespace, Name: p.Authorization.Name, Reason: "Accepted"}
		if p.Binding.Status != nil {
			e.Reason, e.Message = p.Binding.Status.Reason, p.Binding.Status.Message
		}
		out = append(out, e)
	}
	sort.Slice(out, func(i, j int) bool {
		return out[i].Namespace+"/"+out[i].Name < out[j].Namespace+"/"+out[j].Name
	})
	return out
}

func workloads(idx ambient.Index) []workload {
	out := []workload{}
	for _, a := range idx.All() {
		w := a.GetWorkload()
		if w == nil {
			continue
		}
		out = append(out, workload{Namespace: w.GetNamespace(), Name: w.GetName(), WaypointBound: w.GetWaypoint() != nil})
	}
	sort.Slice(out, func(i, j int) bool {
		return out[i].Namespace+"/"+out[i].Name < out[j].Namespace+"/"+out[j].Name
	})
	return out
}

func services(idx ambient.Index, objs []runtime.Object) []service {
	out := []service{}
	for _, o := range objs {
		svc, ok := o.(*corev1.Service)
		if !ok {
			continue
		}
		e := service{Namespace: svc.Namespace, Name: svc.Name}
		info := idx.ServiceInfo(fmt.Sprintf("%s/%s.%s.svc.%s", svc.Namespace, svc.Name, svc.Namespace, domainSuffix))
		if info != nil {
			e.Waypoint = info.Waypoint.ResourceName
			if info.Waypoint.Error != nil {
				e.Reason, e.Message = info.Waypoint.Error.Reason, info.Waypoint.Error.Message
			}
		}
		out = append(out, e)
	}
	sort.Slice(out, func(i, j int) bool {
		return out[i].Namespace+"/"+out[i].Name < out[j].Namespace+"/"+out[j].Name
	})
	return out
}

func fail(err error) {
	fmt.Fprintln(os.Stderr, "ambient-status:", err)
	os.Exit(1)
}
