# Shared by the scripts that build commands of the pinned Kubernetes release from the Go module proxy
# (kube-apiserver.sh; kube-cluster.sh). Source it after defining log and die; the functions that
# download or write files use $WORK, a scratch directory of the caller. Defines:
#   KUBE_VERSION, STAGING_VERSION   e.g. 1.31.14 and v0.31.14 (the staging modules' release)
#   download MODULE@VERSION         go mod download it; prints "Dir Sum GoModSum GoMod"
#   check_sum WHAT GOT PINNED       dies when a pinned hash differs
#   go_directive GO.MOD             its go directive
#   ldflag_version PKG VERSION      -X flags for k8s.io/component-base/version-style packages
#   kube_ldflags                    the ldflags a Kubernetes command is built with (version stamped)
#   kubernetes_module DIR NAME      writes DIR/go.mod and DIR/go.sum of a wrapper module NAME that
#                                   requires k8s.io/kubernetes and repeats its replace directives,
#                                   pointing them at the published staging modules (k8s.io/api,
#                                   k8s.io/apiserver, ... at STAGING_VERSION) instead of the
#                                   ./staging/src paths of the source tree; its go.sum is seeded with
#                                   k8s.io/kubernetes's own go.sum and the pinned hashes below, so
#                                   everything is checked without the checksum database; sets
#                                   KUBERNETES_MODULE_SUM to k8s.io/kubernetes's hash.

# The release: KUBE_VERSION if the caller set it, else CLOUDENGINE_KUBE_VERSION (shared with
# scripts/kube-validator.sh), else 1.31.14; versions with hashes below are checked against them.
KUBE_VERSION="${KUBE_VERSION:-${CLOUDENGINE_KUBE_VERSION:-1.31.14}}"
KUBE_VERSION="${KUBE_VERSION#v}"
[[ "$KUBE_VERSION" =~ ^1\.([0-9]+)\.([0-9]+)$ ]] || die "CLOUDENGINE_KUBE_VERSION must look like 1.31.14 (got '$KUBE_VERSION')"
STAGING_VERSION="v0.${BASH_REMATCH[1]}.${BASH_REMATCH[2]}"

# go.sum lines (sum.golang.org) of k8s.io/kubernetes at the pinned versions
declare -A KUBERNETES_SUMS=(
  [1.31.14]="h1:UtjLfqvXLuSVDdJ4+NpQCIfFkKkLnAAVmxAEMsnkhjk="
  [1.34.3]="h1:0TfljWbhEF5DBks+WFMSrvKfxBLo4vnZuqORjLMiyT4="
)
# go.sum lines of the staging modules the commands need, by Kubernetes version (1.31.14: the
# validator's kube-apiserver; 1.34.3: the local cluster's commands, scripts/kube-cluster-binaries.sh).
# The checksum database has no record of k8s.io/cluster-bootstrap, dynamic-resource-allocation,
# kube-aggregator and pod-security-admission v0.31.14 (the module proxy serves them; these hashes are
# the ones it served when this was written); the others are the database's.
declare -A STAGING_SUMS=( [1.31.14]="
k8s.io/api v0.31.14 h1:xYn/S/WFJsksI7dk/5uBRd3Umm/D8W5g7sRnd4csotA=
k8s.io/api v0.31.14/go.mod h1:K8fvRey4z73RAuxBZCma7WtY8WFvkViYhfFLCMT4xgA=
k8s.io/apiextensions-apiserver v0.31.14 h1:1KupD0PyU7CgiT/PiZPSgZhTCL2KGwvXd1ejGcxjEfg=
k8s.io/apiextensions-apiserver v0.31.14/go.mod h1:Odk14fSl/zaciI8DRUSPMSH74UXtz4gfinw7zY7YHvE=
k8s.io/apimachinery v0.31.14 h1:/eMIwjv+GFm6A/sSGlB1NupBU6wTDPhEWsju0Fj69kY=
k8s.io/apimachinery v0.31.14/go.mod h1:rsPdaZJfTfLsNJSQzNHQvYoTmxhoOEofxtOsF3rtsMo=
k8s.io/apiserver v0.31.14 h1:DORopWIu2qg7gmVyA9UUGGGmO1Rmnq5Oe+GmsKen3yo=
k8s.io/apiserver v0.31.14/go.mod h1:q81QJuh85u/HN74pdw5Ci4EnrRmCOonZj9FvLwf8DWc=
k8s.io/client-go v0.31.14 h1:d4/G0xfksNIbMWH7ghjzOwC5bTAwQ20gABTjZw7fLlQ=
k8s.io/client-go v0.31.14/go.mod h1:0uRpRB7r5QwtsbxEngZPkbcIVoNdAQAPIcopgiXjhQc=
k8s.io/cloud-provider v0.31.14 h1:GJPSJOzn46TEHUjzi3Bbk9wSu68b5rWwhbPEYNTqg4Q=
k8s.io/cloud-provider v0.31.14/go.mod h1:5wSFqc12WxhqZJe2urHuHD8oUNiHRvMD/+8pWJzcqFM=
k8s.io/cluster-bootstrap v0.31.14 h1:nRW3IzBCtp5x8tEQeLxPeF3A4hhPRkBF1aPxFlHas3Y=
k8s.io/cluster-bootstrap v0.31.14/go.mod h1:mJZNir33W5VB+KXSrejn9zGgU/l2ewtFGlV3AivMfqM=
k8s.io/component-base v0.31.14 h1:VNjBuEMmvlwL4twRlMmlaVmsodIRaNivXcZoAx1/x7Q=
k8s.io/component-base v0.31.14/go.mod h1:9ogYcJBUdB4VQ/OMgInYVRScC9bguXxSEEZPsInY+uM=
k8s.io/component-helpers v0.31.14 h1:oiGkPsCVh96lmzHxhEo3+FZ3amAP95I9AUL7OCn5ckY=
k8s.io/component-helpers v0.31.14/go.mod h1:/TsMm2QE800y2EWb6A37un2P5oIvy7BfgHi0AaM9Pwo=
k8s.io/controller-manager v0.31.14 h1:lfF6mCGLS4utmUNDCx9c2i8o6UPfSzL1z36I1OTDdfc=
k8s.io/controller-manager v0.31.14/go.mod h1:tAbqEL9l/jsR18UIvNbysojLfZ8wcN7N72niRfkERvU=
k8s.io/dynamic-resource-allocation v0.31.14 h1:/ZOE6e3IH7yzkeLyzA16r2/oV4bSUCEQfFOq+hpKH/M=
k8s.io/dynamic-resource-allocation v0.31.14/go.mod h1:sTsLtbrSAZw9tzv+aJz9SapfD/Rb+zRs5LOTKSDuuAM=
k8s.io/kms v0.31.14 h1:zubJwtxper4unVQnStnc7qlljqekNjKQx3P8ROUWNck=
k8s.io/kms v0.31.14/go.mod h1:OZKwl1fan3n3N5FFxnW5C4V3ygrah/3YXeJWS3O6+94=
k8s.io/kube-aggregator v0.31.14 h1:n0KI0zLT5WiL/zfk2sT315oGgGXrJ51DTdnUS+XQe4A=
k8s.io/kube-aggregator v0.31.14/go.mod h1:eXiOI6Lk/SaTUnDOF97+5A6iUAPujPOHyJ4gdvzd4KE=
k8s.io/kubelet v0.31.14 h1:AcApQlJdfbXlkQyf4iGJIzUitCOKTR9HsV5pNAngcM4=
k8s.io/kubelet v0.31.14/go.mod h1:GqceIurKRpDSLuk1YgC2ANoF4qFagRBWoM2kzboMBt4=
k8s.io/mount-utils v0.31.14 h1:MpwZkt82P6xXUZn0UJp2b1MePddtKxZxcXqtCSNc2ME=
k8s.io/mount-utils v0.31.14/go.mod h1:HV/VYBUGqYUj4vt82YltzpWvgv8FPg0G9ItyInT3NPU=
k8s.io/pod-security-admission v0.31.14 h1:1/w+sAsG1aJKd9zoX0Z74aqx9qFz3tXZ3zT4rECwjfE=
k8s.io/pod-security-admission v0.31.14/go.mod h1:ZooOcyKuqUHzFH6T1bZN99lqL4WwEaZw6Non/VB26Ps=
"
  [1.34.3]="
k8s.io/api v0.34.3 h1:D12sTP257/jSH2vHV2EDYrb16bS7ULlHpdNdNhEw2S4=
k8s.io/api v0.34.3/go.mod h1:PyVQBF886Q5RSQZOim7DybQjAbVs8g7gwJNhGtY5MBk=
k8s.io/apiextensions-apiserver v0.34.3 h1:p10fGlkDY09eWKOTeUSioxwLukJnm+KuDZdrW71y40g=
k8s.io/apiextensions-apiserver v0.34.3/go.mod h1:aujxvqGFRdb/cmXYfcRTeppN7S2XV/t7WMEc64zB5A0=
k8s.io/apimachinery v0.34.3 h1:/TB+SFEiQvN9HPldtlWOTp0hWbJ+fjU+wkxysf/aQnE=
k8s.io/apimachinery v0.34.3/go.mod h1:/GwIlEcWuTX9zKIg2mbw0LRFIsXwrfoVxn+ef0X13lw=
k8s.io/apiserver v0.34.3 h1:uGH1qpDvSiYG4HVFqc6A3L4CKiX+aBWDrrsxHYK0Bdo=
k8s.io/apiserver v0.34.3/go.mod h1:QPnnahMO5C2m3lm6fPW3+JmyQbvHZQ8uudAu/493P2w=
k8s.io/client-go v0.34.3 h1:wtYtpzy/OPNYf7WyNBTj3iUA0XaBHVqhv4Iv3tbrF5A=
k8s.io/client-go v0.34.3/go.mod h1:OxxeYagaP9Kdf78UrKLa3YZixMCfP6bgPwPwNBQBzpM=
k8s.io/cloud-provider v0.34.3 h1:+ZIj1mYPzrA0vWZMFFustsDCe1iP+xkhq0ZXZBhPW0o=
k8s.io/cloud-provider v0.34.3/go.mod h1:e0XM6MTHG4rPk1Fa7oWnQT9VqKca+jw7wcc+BJeUcn4=
k8s.io/cluster-bootstrap v0.34.3 h1:mLguWldCwTk0GvoWHg6tf6qgpVMDLCSvvtWUoL13RXg=
k8s.io/cluster-bootstrap v0.34.3/go.mod h1:50AJCDVJ8HMmw9W2EN0cHSbTsI9GYtyOM+eyxjVlAwg=
k8s.io/component-base v0.34.3 h1:zsEgw6ELqK0XncCQomgO9DpUIzlrYuZYA0Cgo+JWpVk=
k8s.io/component-base v0.34.3/go.mod h1:5iIlD8wPfWE/xSHTRfbjuvUul2WZbI2nOUK65XL0E/c=
k8s.io/component-helpers v0.34.3 h1:Iws1GQfM89Lxo7IZITGmVdFOW0Bmyd7SVwwIu1/CCkE=
k8s.io/component-helpers v0.34.3/go.mod h1:S8HjjMTrUDVMVPo2EdNYRtQx9uIEIueQYdPMOe9UxJs=
k8s.io/controller-manager v0.34.3 h1:pEW6ExR3FteKkYkKRrLoi0Sy8dcbvUTAReP8OTxK5k0=
k8s.io/controller-manager v0.34.3/go.mod h1:YzXiwiubf6GdSC3ej2XFYhQQBwF5AvJq/3eymdsU9OU=
k8s.io/cri-api v0.34.3 h1:zFdQSHZuQlQXesw9ncjQRUyDpvLng/84Q4qLKd8x2zE=
k8s.io/cri-api v0.34.3/go.mod h1:4qVUjidMg7/Z9YGZpqIDygbkPWkg3mkS1PvOx/kpHTE=
k8s.io/cri-client v0.34.3 h1:P1LMB7Aa52OfIaJ383FfHYJTlokZsLYUBn6Y7IEc9Oc=
k8s.io/cri-client v0.34.3/go.mod h1:EEQXyjPYePB2RSBnrTs+4up14q/6lVKnHvPXUSMYR4A=
k8s.io/csi-translation-lib v0.34.3 h1:WGE/HPz5D3TIqffhYkk6s4KfW1mcSwSH30MzABK47Pg=
k8s.io/csi-translation-lib v0.34.3/go.mod h1:Lx11spUQnRzYFDrTok0/6cQMP3oXHi73+mXWvkRTxbE=
k8s.io/dynamic-resource-allocation v0.34.3 h1:8UGn1CTj1IljJa+r6HxnEDqLvcBZkv5c+Ooa6x1Oy+o=
k8s.io/dynamic-resource-allocation v0.34.3/go.mod h1:eYjQqNaHLfqXT94lbSXEy8ZLaUg1mGJ2JCEtNWM7e7M=
k8s.io/endpointslice v0.34.3 h1:32oWlrm3hetct8EPo+Y4kRWkBSQFAWt4+TkRCS6YeJU=
k8s.io/endpointslice v0.34.3/go.mod h1:FBwVCXSb/1NK7FYk+Bk8iDnzksui+/8TLpHpJL/cj2Y=
k8s.io/externaljwt v0.34.3 h1:LGYdoQlons7rT5gTXqZkWLi3Buc1k7alzcGINHEwLeE=
k8s.io/externaljwt v0.34.3/go.mod h1:LIqFAVwSkcWVlP3c78wxe2VGmgDySxfqX/wwXzVrV/Q=
k8s.io/kms v0.34.3 h1:QzBOD0sk1bGQVMcZQAHGjtbP1iKZJUyhC6D0I+BTxIE=
k8s.io/kms v0.34.3/go.mod h1:s1CFkLG7w9eaTYvctOxosx88fl4spqmixnNpys0JAtM=
k8s.io/kube-aggregator v0.34.3 h1:rKsZWTD2As4dKuv+zzdJU0uo5H7bFlAEoSucai4mW6M=
k8s.io/kube-aggregator v0.34.3/go.mod h1:d4D8PV2FK4Qlq6u442FSum1tHPhK9tKdKBfH/A3R0I0=
k8s.io/kube-controller-manager v0.34.3 h1:B5hGqRO2Rb5OHm/9e2RshzkBoqtqWZKZTGxe2sdD5ec=
k8s.io/kube-controller-manager v0.34.3/go.mod h1:GDto3Zp5KZm5sYzKp3JqA8bm3Glt6/FNaIkCkns2zHA=
k8s.io/kube-proxy v0.34.3 h1:V++KUZwr4i2XCjiIl7TuE+fLRYtCDtce6OFIzdN2JoE=
k8s.io/kube-proxy v0.34.3/go.mod h1:3b/fhYWJDLnozpGpJExlhnxUf+ptoHN1XxfXnVBym2A=
k8s.io/kube-scheduler v0.34.3 h1:ki99I6opxUZNcIO/QIq1Jz5iTVRHPRdDRFxi5A/3Zjw=
k8s.io/kube-scheduler v0.34.3/go.mod h1:ECkAVWCHQjWJLasX6eznbZ/7J6YqDWiZchXpjG/w5ig=
k8s.io/kubectl v0.34.3 h1:vpM6//153gh5gvsYHXWHVJ4l4xmN5QFwTSmlfd8icm8=
k8s.io/kubectl v0.34.3/go.mod h1:zZQHtIZoUqTP1bAnPzq/3W1jfc0NeOeunFgcswrfg1c=
k8s.io/kubelet v0.34.3 h1:8QRev2FmasZ05yCC774qn6ULche72PYM7AQv0CVt9CM=
k8s.io/kubelet v0.34.3/go.mod h1:pMgblr+nVQ02UkyaTcgqzS3AIYVQkjlMFg1Pd5rGC1Q=
k8s.io/metrics v0.34.3 h1:zKco9A0q7Ibl3alcO1kqRandTt4GKwKGOBflYJTIBHc=
k8s.io/metrics v0.34.3/go.mod h1:BWmkYCQ9x4I120OmCtMUeuXn0VTGkJLwBErneDL5aSQ=
k8s.io/mount-utils v0.34.3 h1:+sk7PVMQhGoNkGnxmxhyjEXpFcTaD6s3a6NXZNhqERc=
k8s.io/mount-utils v0.34.3/go.mod h1:MIjjYlqJ0ziYQg0MO09kc9S96GIcMkhF/ay9MncF0GA=
k8s.io/pod-security-admission v0.34.3 h1:l9qgNG4X+Zl7H9d5KlYeUtRg9TfApTGNFHCy4F6aXJs=
k8s.io/pod-security-admission v0.34.3/go.mod h1:ureLqfSF+1BrkFIbIImze8LfRMVj48Kg8qYiPHLclmE=
" )
# Staging modules the checksum database does not know (for a version without pinned hashes, these
# are then trusted as the proxy serves them).
UNRECORDED_STAGING="k8s.io/cluster-bootstrap,k8s.io/dynamic-resource-allocation,k8s.io/kube-aggregator,k8s.io/pod-security-admission"

# go mod download -json <module@version> in a scratch module; prints "Dir Sum GoModSum GoMod".
download() {
  local what="$1" out="$WORK/download-${1//[^A-Za-z0-9.]/_}.json"
  mkdir -p "$WORK/probe"
  [[ -f "$WORK/probe/go.mod" ]] || printf 'module cloudengine.local/kubernetes-probe\n\ngo 1.22\n' > "$WORK/probe/go.mod"
  log "downloading $what from $(goproxy_url)"
  (cd "$WORK/probe" && go mod download -json "$what") > "$out" 2>&1 \
    || { cat "$out" >&2; die "$what could not be downloaded from the Go module proxy"; }
  node -e '
    const fs = require("fs"); const j = JSON.parse(fs.readFileSync(process.argv[1], "utf8"));
    if (j.Error) { console.error(j.Error); process.exit(1); }
    console.log([j.Dir, j.Sum, j.GoModSum, j.GoMod].join(" "));' "$out" \
    || die "unexpected go mod download output: $(cat "$out")"
}

check_sum() { # <what> <got> <pinned or empty>
  if [[ -n "$3" ]]; then
    [[ "$2" == "$3" ]] || die "$1 has hash $2, expected $3"
  else
    log "no pinned hash for $1 (got $2)"
  fi
}

go_directive() { sed -n 's/^go[[:space:]]\+\([0-9.]\+\).*/\1/p' "$1" | head -1; }

ldflag_version() { # <package> <git version>: -X flags for k8s.io/component-base/version-style packages
  local pkg="$1" v="$2" major minor
  major="${v#v}"; major="${major%%.*}"
  minor="${v#v*.}"; minor="${minor%%.*}"
  printf -- '-X %s.gitVersion=%s -X %s.gitMajor=%s -X %s.gitMinor=%s -X %s.gitTreeState=clean -X %s.buildDate=%s ' \
    "$pkg" "$v" "$pkg" "$major" "$pkg" "$minor" "$pkg" "$pkg" "$(date -u +%Y-%m-%dT%H:%M:%SZ)"
}

kube_ldflags() {
  printf -- '-s -w %s%s' "$(ldflag_version k8s.io/component-base/version "v$KUBE_VERSION")" \
    "$(ldflag_version k8s.io/client-go/pkg/version "v$KUBE_VERSION")"
}

kubernetes_module() { # <dir> <module name>
  local dir="$1" name="$2" k_dir k_sum k_gomodsum k_gomod replaces pinned
  read -r k_dir k_sum k_gomodsum k_gomod < <(download "k8s.io/kubernetes@v$KUBE_VERSION")
  check_sum "k8s.io/kubernetes@v$KUBE_VERSION" "$k_sum" "${KUBERNETES_SUMS[$KUBE_VERSION]:-}"
  mkdir -p "$dir"
  # k8s.io/kubernetes requires its staging modules at v0.0.0 and replaces them with
  # ./staging/src/k8s.io/<name>; here they are the published modules of the same release.
  replaces="$(sed -n '/^replace[[:space:]]*(/,/^)/p; /^replace[[:space:]]\+[^(]/p' "$k_gomod" \
    | sed -n 's#^[[:space:]]*\(replace[[:space:]]\+\)\?\(k8s\.io/[A-Za-z0-9._/-]\+\)[[:space:]]\+=>[[:space:]]\+\./staging/src/\2[[:space:]]*$#\2#p')"
  grep -qx 'k8s.io/apiserver' <<<"$replaces" \
    || die "k8s.io/kubernetes@v$KUBE_VERSION's go.mod has no replace directives for its staging modules"
  {
    printf 'module %s\n\ngo %s\n\nrequire k8s.io/kubernetes v%s\n\nreplace (\n' \
      "$name" "$(go_directive "$k_gomod")" "$KUBE_VERSION"
    while read -r m; do printf '\t%s => %s %s\n' "$m" "$m" "$STAGING_VERSION"; done <<<"$replaces"
    printf ')\n'
  } > "$dir/go.mod"
  pinned="${STAGING_SUMS[$KUBE_VERSION]:-}"
  {
    echo "k8s.io/kubernetes v$KUBE_VERSION $k_sum"
    echo "k8s.io/kubernetes v$KUBE_VERSION/go.mod $k_gomodsum"
    [[ -z "$pinned" ]] || grep -v '^$' <<<"$pinned"
    cat "$k_dir/go.sum"
  } > "$dir/go.sum"
  if [[ -z "$pinned" ]]; then
    log "no pinned hashes for the staging modules of Kubernetes $KUBE_VERSION: $UNRECORDED_STAGING are taken as the proxy serves them"
    GONOSUMDB="$(go env GONOSUMDB)"
    export GONOSUMDB="$UNRECORDED_STAGING${GONOSUMDB:+,$GONOSUMDB}"
  fi
  KUBERNETES_MODULE_SUM="$k_sum"
}
