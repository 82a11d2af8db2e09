// How every nginx of the package runs, on either platform (gateway and load balancers): the rendered
// config is mounted at PROXY_CONF_PATH, nginx is started directly (not through the image's entrypoint
// scripts) and keeps temporary files and caches in a bounded /tmp.

export const PROXY_CONF_PATH = "/etc/cloudengine/nginx.conf";
/** nginx's arguments after the executable. */
export const PROXY_ARGS = ["-c", PROXY_CONF_PATH, "-g", "daemon off;"];
/** /tmp for nginx temp files and the CDN cache (CDN_CACHE_MAX_SIZE, shared by every site of the load balancer). */
export const PROXY_TMP_BYTES = 512 * 1024 * 1024;
/** Seconds a stopping proxy gets to finish in-flight requests (nginx quits gracefully on SIGQUIT). */
export const PROXY_DRAIN_SECONDS = 30;
/**
 * Kernel settings of the proxies' own network namespaces. Connections to the apps are pooled, but a pool
 * is emptied by every reload and cannot hold a burst beyond its size: each connection the proxy closes
 * leaves a TIME_WAIT socket for 60 s towards the same address and port. Without reuse the ~28k ephemeral
 * ports run out at ~470 new connections/s (measured when every request had its own): connect() then spins
 * in the kernel and throughput collapses. tcp_tw_reuse=1 lets a new outgoing connection take a TIME_WAIT
 * port (safe with TCP timestamps, Linux's default). Kubernetes admits it only where the kubelet allows
 * unsafe sysctls.
 */
export const PROXY_SYSCTLS: Record<string, string> = { "net.ipv4.tcp_tw_reuse": "1" };
