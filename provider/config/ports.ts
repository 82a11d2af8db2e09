// Ports the platform itself uses inside an instance, which an app must leave free.

/**
 * Docker: the port /cloudengine/init accepts connections on only while the app is healthy: the gateway's
 * cloudengine-ready lists an instance as ready while it does. Docker has no readiness of its own: every
 * container is in DNS as soon as it starts. Outside the kernel's ephemeral range, so no outgoing
 * connection ever holds it.
 */
export const INSTANCE_SERVE_PORT = 61000;
