# Credentials of one start of the local cluster, made fresh each start in $KC_STATE/pki (never reused):
# a CA, the API server's and the kubelet's serving certificates, the API server's client certificate
# for the kubelet, metrics-server's kubelet client certificate, the aggregation layer's front-proxy CA
# and client certificate, the service-account signing key, and a bearer token per component (static token
# file; authorization is Node + RBAC, so each component only gets what its built-in role grants).
# Source it after kube-cluster-config.sh; call kc_make_pki, then kc_kubeconfig for each component.

kc_ca() { # name, subject -> pki/<name>.{key,crt}: a self-signed CA
  local name=$1 subject=$2 dir="$KC_STATE/pki"
  openssl req -x509 -new -newkey rsa:2048 -nodes -keyout "$dir/$name.key" -subj "$subject" \
    -days 30 -addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign,cRLSign" \
    -out "$dir/$name.crt" 2>/dev/null
  chmod 600 "$dir/$name.key"
}

kc_cert() { # name, subject, extensions (a v3 section body), [CA name, default ca] -> pki/<name>.{key,crt} signed by the CA
  local name=$1 subject=$2 ext=$3 ca=${4:-ca} dir="$KC_STATE/pki"
  openssl req -new -newkey rsa:2048 -nodes -keyout "$dir/$name.key" -subj "$subject" -out "$dir/$name.csr" 2>/dev/null
  printf '%b\n' "$ext" > "$dir/$name.ext"
  openssl x509 -req -in "$dir/$name.csr" -CA "$dir/$ca.crt" -CAkey "$dir/$ca.key" -CAcreateserial \
    -days 30 -extfile "$dir/$name.ext" -out "$dir/$name.crt" 2>/dev/null
  rm -f "$dir/$name.csr" "$dir/$name.ext"
  chmod 600 "$dir/$name.key"
}

kc_token() { head -c 24 /dev/urandom | od -An -tx1 | tr -d ' \n'; }

kc_make_pki() {
  local dir="$KC_STATE/pki"
  mkdir -p "$dir"
  chmod 700 "$dir"
  kc_ca ca "/CN=cloudengine-kube-ca"
  local first_service_ip="${KC_SERVICE_CIDR%.*}.1"
  kc_cert apiserver "/CN=kube-apiserver" \
    "keyUsage=critical,digitalSignature,keyEncipherment\nextendedKeyUsage=serverAuth\nsubjectAltName=IP:$KC_NODE_IP,IP:$first_service_ip,IP:127.0.0.1,DNS:kubernetes,DNS:kubernetes.default,DNS:kubernetes.default.svc,DNS:kubernetes.default.svc.$KC_CLUSTER_DOMAIN,DNS:localhost"
  kc_cert kubelet "/CN=$KC_NODE_NAME" \
    "keyUsage=critical,digitalSignature,keyEncipherment\nextendedKeyUsage=serverAuth\nsubjectAltName=IP:$KC_NODE_IP,DNS:$KC_NODE_NAME"
  kc_cert apiserver-kubelet-client "/O=system:masters/CN=kube-apiserver-kubelet-client" \
    "keyUsage=critical,digitalSignature,keyEncipherment\nextendedKeyUsage=clientAuth"
  # metrics-server reads the kubelet's resource metrics with a client certificate (the kubelet knows x509 only).
  kc_cert metrics-server-kubelet-client "/CN=system:metrics-server" \
    "keyUsage=critical,digitalSignature,keyEncipherment\nextendedKeyUsage=clientAuth"
  # The aggregation layer: the API server proxies metrics.k8s.io to metrics-server with a client
  # certificate of its own CA, which metrics-server trusts for the user it names in the request headers.
  kc_ca front-proxy-ca "/CN=cloudengine-kube-front-proxy-ca"
  kc_cert front-proxy-client "/CN=front-proxy-client" \
    "keyUsage=critical,digitalSignature,keyEncipherment\nextendedKeyUsage=clientAuth" front-proxy-ca
  openssl genrsa -out "$dir/sa.key" 2048 2>/dev/null
  openssl rsa -in "$dir/sa.key" -pubout -out "$dir/sa.pub" 2>/dev/null
  chmod 600 "$dir/sa.key"

  # token,user,uid,"groups": the built-in roles bind these user names (system:kube-controller-manager,
  # system:kube-scheduler, system:kube-proxy -> system:node-proxier, system:node:<node> -> Node authorizer).
  : > "$dir/tokens.csv"
  chmod 600 "$dir/tokens.csv"
  local who
  for who in "admin,admin,system:masters" "kube-controller-manager,system:kube-controller-manager," \
             "kube-scheduler,system:kube-scheduler," "kube-proxy,system:kube-proxy," \
             "kubelet,system:node:$KC_NODE_NAME,system:nodes" "coredns,system:coredns," "metrics-server,system:metrics-server,"; do
    local name="${who%%,*}" rest="${who#*,}"
    local user="${rest%%,*}" groups="${rest#*,}"
    local token
    token="$(kc_token)"
    echo "$token" > "$dir/$name.token"
    chmod 600 "$dir/$name.token"
    echo "$token,$user,$name,\"$groups\"" >> "$dir/tokens.csv"
  done
}

kc_kubeconfig() { # component, file: a kubeconfig with the component's token and the CA inline
  local component=$1 file=$2 dir="$KC_STATE/pki"
  umask 077
  cat > "$file" <<EOF
apiVersion: v1
kind: Config
clusters:
- name: cloudengine-kube
  cluster:
    server: $KC_API_URL
    certificate-authority-data: $(base64 -w0 < "$dir/ca.crt")
users:
- name: $component
  user:
    token: $(cat "$dir/$component.token")
contexts:
- name: cloudengine-kube
  context:
    cluster: cloudengine-kube
    user: $component
current-context: cloudengine-kube
EOF
  umask 022
}
