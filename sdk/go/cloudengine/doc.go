// A self-hosted Cloud Engine: Go apps built from source behind a load balancer, LeanCache (Redis), domains and environment groups, on Docker or Kubernetes.
package cloudengine
