// Command gateway-render runs istiod's Gateway API deployment controller (Istio 1.30,
// pilot/pkg/config/kube/gatewaycommon) against a fake cluster holding the given Gateways and prints
// the objects it would server-side apply. The injection templates, values and mesh config come from
// files, so the same Gateways can be rendered with the templates of our istio-sidecar-injector
// ConfigMap and with istioctl's.
//
// Usage: gateway-render CONFIG VALUES MESH INPUT.yaml [REVISION]
//
//	CONFIG: the injector ConfigMap's `config` key; VALUES: its `values` key; MESH: the mesh ConfigMap's `mesh` key;
//	INPUT: Gateways, and ConfigMaps (class defaults in istio-system, or a Gateway's infrastructure.parametersRef);
//	REVISION: istiod's revision (Gateways then need the label istio.io/rev: REVISION).
//
// Prints a JSON array of the applied objects, in apply order. Run with PILOT_ENABLE_AMBIENT=true
// (and PILOT_ENABLE_AGENTGATEWAY=true for class agentgateway).
package main

import (
	"encoding/json"
	"fmt"
	"os"
	"reflect"
	"strings"
	"sync"
	"time"
	"unsafe"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/types"
	kubeVersion "k8s.io/apimachinery/pkg/version"
	fakediscovery "k8s.io/client-go/discovery/fake"
	gateway "sigs.k8s.io/gateway-api/apis/v1"
	"sigs.k8s.io/yaml"

	"istio.io/istio/pilot/pkg/config/kube/gatewaycommon"
	"istio.io/istio/pilot/pkg/model"
	"istio.io/istio/pkg/config/mesh"
	"istio.io/istio/pkg/config/mesh/meshwatcher"
	"istio.io/istio/pkg/kube"
	"istio.io/istio/pkg/kube/inject"
	"istio.io/istio/pkg/kube/kclient"
	istiolog "istio.io/istio/pkg/log"
	"istio.io/istio/pkg/revisions"
)

func main() {
	if len(os.Args) != 5 && len(os.Args) != 6 {
		fail(fmt.Errorf("usage: gateway-render CONFIG VALUES MESH INPUT.yaml [REVISION]"))
	}
	revision := ""
	if len(os.Args) == 6 {
		revision = os.Args[5]
	}
	logOptions := istiolog.DefaultOptions()
	logOptions.OutputPaths = []string{"stderr"}
	logOptions.ErrorOutputPaths = []string{"stderr"}
	if err := istiolog.Configure(logOptions); err != nil {
		fail(err)
	}
	configText, valuesText, meshText, gatewaysText := read(os.Args[1]), read(os.Args[2]), read(os.Args[3]), read(os.Args[4])

	injectConfig, err := inject.UnmarshalConfig([]byte(configText))
	if err != nil {
		fail(fmt.Errorf("injector config: %v", err))
	}
	values, err := inject.NewValuesConfig(valuesText)
	if err != nil {
		fail(fmt.Errorf("injector values: %v", err))
	}
	meshConfig, err := mesh.ApplyMeshConfigDefaults(meshText)
	if err != nil {
		fail(fmt.Errorf("mesh config: %v", err))
	}
	webhookConfig := func() inject.WebhookConfig {
		return inject.WebhookConfig{Templates: injectConfig.Templates, Values: values, MeshConfig: meshConfig}
	}

	var gateways []*gateway.Gateway
	var configMaps []*corev1.ConfigMap
	namespaces := map[string]bool{}
	for _, doc := range strings.Split(gatewaysText, "\n---") {
		if strings.TrimSpace(doc) == "" {
			continue
		}
		var meta metav1.TypeMeta
		if err := yaml.Unmarshal([]byte(doc), &meta); err != nil {
			fail(fmt.Errorf("input: %v", err))
		}
		switch meta.Kind {
		case "Gateway":
			gw := &gateway.Gateway{}
			if err := yaml.UnmarshalStrict([]byte(doc), gw); err != nil {
				fail(fmt.Errorf("gateway: %v", err))
			}
			if gw.UID == "" {
				gw.UID = types.UID("uid-" + gw.Namespace + "-" + gw.Name)
			}
			gateways = append(gateways, gw)
			namespaces[gw.Namespace] = true
		case "ConfigMap": // class defaults (istio-system) or a Gateway's infrastructure.parametersRef
			cm := &corev1.ConfigMap{}
			if err := yaml.UnmarshalStrict([]byte(doc), cm); err != nil {
				fail(fmt.Errorf("configmap: %v", err))
			}
			configMaps = append(configMaps, cm)
			namespaces[cm.Namespace] = true
		default:
			fail(fmt.Errorf("input: unsupported kind %q (Gateway or ConfigMap)", meta.Kind))
		}
	}

	client := kube.NewFakeClient()
	client.Kube().Discovery().(*fakediscovery.FakeDiscovery).FakedServerVersion = &kubeVersion.Info{Major: "1", Minor: "33"}
	for ns := range namespaces {
		kclient.NewWriteClient[*corev1.Namespace](client).Create(&corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: ns}})
	}
	for _, cm := range configMaps {
		kclient.NewWriteClient[*corev1.ConfigMap](client).Create(cm)
	}
	for _, gw := range gateways {
		kclient.NewWriteClient[*gateway.Gateway](client).Create(gw)
	}

	env := model.NewEnvironment()
	env.Watcher = meshwatcher.NewTestWatcher(meshConfig)
	env.PushContext().InitDone.Store(true)
	stop := make(chan struct{})
	tw := revisions.NewTagWatcher(client, revision, "istio-system")
	go tw.Run(stop)

	var mu sync.Mutex
	applied := []map[string]any{}
	controller := gatewaycommon.NewDeploymentController(client, "Kubernetes", env, webhookConfig, func(func()) {}, tw, revision, "istio-system")
	// The controller server-side applies through its private `patcher`; capture instead (as Istio's own tests do).
	setPatcher(controller, func(_ schema.GroupVersionResource, _, _ string, data []byte, subresources ...string) error {
		if len(subresources) > 0 {
			return nil // the Gateway's controller-version status patch
		}
		obj := map[string]any{}
		if err := json.Unmarshal(data, &obj); err != nil {
			return err
		}
		mu.Lock()
		applied = append(applied, obj)
		mu.Unlock()
		return nil
	})
	client.RunAndWait(stop)
	go controller.Run(stop)

	// The queue has no "idle" signal: wait until the applied set stops growing.
	last, stable := -1, 0
	for deadline := time.Now().Add(60 * time.Second); time.Now().Before(deadline) && stable < 40; time.Sleep(50 * time.Millisecond) {
		mu.Lock()
		n := len(applied)
		mu.Unlock()
		if n == last {
			stable++
		} else {
			stable = 0
		}
		last = n
	}
	close(stop)
	mu.Lock()
	defer mu.Unlock()
	if err := json.NewEncoder(os.Stdout).Encode(applied); err != nil {
		fail(err)
	}
}

func setPatcher(d *gatewaycommon.DeploymentController, fn func(schema.GroupVersionResource, string, string, []byte, ...string) error) {
	field := reflect.ValueOf(d).Elem().FieldByName("patcher")
	reflect.NewAt(field.Type(), unsafe.Pointer(field.UnsafeAddr())).Elem().Set(reflect.ValueOf(fn))
}

func read(name string) string {
	b, err := os.ReadFile(name)
	if err != nil {
		fail(err)
	}
	return string(b)
}

func fail(err error) {
	fmt.Fprintln(os.Stderr, "gateway-render:", err)
	os.Exit(1)
}
