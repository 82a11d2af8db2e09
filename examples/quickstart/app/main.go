// The quick start app: answers on LEANCLOUD_APP_PORT and counts visits in LeanCache.
package main

import (
	"fmt"
	"log"
	"net/http"
	"os"
)

// What /cloudengine/init's health probe sends as its User-Agent.
const healthCheckUserAgent = "cloudengine-health-check"

func main() {
	port := os.Getenv("LEANCLOUD_APP_PORT")
	if port == "" {
		port = "3000"
	}
	http.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		// The platform's health check probes "/" every few seconds: answer it without counting a visit.
		if r.Header.Get("User-Agent") == healthCheckUserAgent {
			fmt.Fprintln(w, "ok")
			return
		}
		visits, err := countVisit(os.Getenv("REDIS_URL_CACHE"), os.Getenv("VISIT_KEY"))
		if err != nil {
			http.Error(w, "cache: "+err.Error(), http.StatusServiceUnavailable)
			return
		}
		fmt.Fprintf(w, "%s from %s (%s, version %s): visit %d\n", os.Getenv("GREETING"), os.Getenv("LEANCLOUD_APP_ID"),
			os.Getenv("LEANCLOUD_APP_ENV"), os.Getenv("LEANCLOUD_VERSION_TAG"), visits)
	})
	// Listen on all interfaces, as Cloud Engine requires.
	log.Printf("listening on :%s", port)
	log.Fatal(http.ListenAndServe(":"+port, nil))
}
