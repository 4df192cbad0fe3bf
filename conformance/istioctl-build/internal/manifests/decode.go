// Package manifests reads the YAML files the conformance tools are given (written by cdk8s-istio's
// conformance suite) into Kubernetes objects with Istio's own codec.
package manifests

import (
	"fmt"
	"strings"

	"istio.io/istio/pkg/kube"
	"k8s.io/apimachinery/pkg/runtime"
)

// Decode reads the documents of a YAML stream with Istio's codec (core, Gateway API and Istio
// kinds). Documents of kinds the codec does not know are passed to skipped and left out.
func Decode(file, text string, skipped func(kind string)) ([]runtime.Object, error) {
	var objs []runtime.Object
	deserializer := kube.IstioCodec.UniversalDeserializer()
	for _, doc := range strings.Split("\n"+text, "\n---") {
		if strings.TrimSpace(doc) == "" {
			continue
		}
		o, gk, err := deserializer.Decode([]byte(doc), nil, nil)
		if err != nil {
			if gk != nil && runtime.IsNotRegisteredError(err) {
				skipped(gk.Kind)
				continue
			}
			return nil, fmt.Errorf("%s: %v", file, err)
		}
		objs = append(objs, o)
	}
	return objs, nil
}
