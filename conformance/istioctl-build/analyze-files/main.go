// Command analyze-files runs Istio's analyzers (the same set as `istioctl analyze`) on YAML files,
// including the runtime kinds (Pods, Services, Deployments, Namespaces) that `istioctl analyze
// --use-kube=false` leaves out of file input. The conformance suite uses it to compare our
// synth-time analyzer with Istio's on the same manifests. Istio's file source already holds the
// Gateway API kinds (Gateway, HTTPRoute, GRPCRoute...), CustomResourceDefinitions and the objects'
// status, so its Gateway API analyzers (IST0166, IST0176) and its ConditionAnalyzer (IST0171, on
// the status istiod's controller writes, see analyzer-agreement.ts) run on file input as well.
//
// Usage: analyze-files FILE... ; prints a JSON array of {code, level, origin, message}.
package main

import (
	"encoding/json"
	"fmt"
	"os"

	"istio.io/istio/pkg/config/analysis/analyzers"
	"istio.io/istio/pkg/config/analysis/local"
	"istio.io/istio/pkg/config/resource"
)

type message struct {
	Code    string `json:"code"`
	Level   string `json:"level"`
	Origin  string `json:"origin"`
	Message string `json:"message"`
}

func main() {
	sa := local.NewSourceAnalyzer(analyzers.AllCombined(), resource.Namespace(""), resource.Namespace("istio-system"), nil)
	var readers []local.ReaderSource
	for _, name := range os.Args[1:] {
		f, err := os.Open(name)
		if err != nil {
			fail(err)
		}
		defer f.Close()
		readers = append(readers, local.ReaderSource{Name: name, Reader: f})
	}
	// The file source is created by the first call: with runtime kinds here, then reused for the
	// defaults istioctl adds in file mode (mesh config, mesh networks).
	if err := sa.AddTestReaderKubeSource(readers); err != nil {
		fail(err)
	}
	if err := sa.AddDefaultResources(); err != nil {
		fail(err)
	}
	result, err := sa.Analyze(make(chan struct{}))
	if err != nil {
		fail(err)
	}
	out := []message{}
	for _, m := range result.Messages {
		origin := ""
		if m.Resource != nil && m.Resource.Origin != nil {
			origin = m.Resource.Origin.FriendlyName()
		}
		out = append(out, message{Code: m.Type.Code(), Level: m.Type.Level().String(), Origin: origin, Message: m.Unstructured(false)["message"].(string)})
	}
	if err := json.NewEncoder(os.Stdout).Encode(out); err != nil {
		fail(err)
	}
}

func fail(err error) {
	fmt.Fprintln(os.Stderr, "analyze-files:", err)
	os.Exit(1)
}
