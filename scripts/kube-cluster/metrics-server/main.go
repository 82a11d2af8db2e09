// metrics-server (sigs.k8s.io/metrics-server): the local cluster's resource metrics API (metrics.k8s.io),
// which HorizontalPodAutoscalers on CPU read. It runs beside the other cluster processes on the host.
package main

import (
	"os"

	genericapiserver "k8s.io/apiserver/pkg/server"
	"k8s.io/component-base/cli"

	"sigs.k8s.io/metrics-server/cmd/metrics-server/app"
)

func main() {
	cmd := app.NewMetricsServerCommand(genericapiserver.SetupSignalHandler())
	os.Exit(cli.Run(cmd))
}
