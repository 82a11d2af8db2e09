// The distribution registry with only the filesystem storage driver (the stock command links every
// cloud storage driver): the local cluster's image registry on 127.0.0.1.
package main

import (
	"os"

	"github.com/distribution/distribution/v3/registry"
	_ "github.com/distribution/distribution/v3/registry/storage/driver/filesystem"
)

func main() {
	if err := registry.RootCmd.Execute(); err != nil {
		os.Exit(1)
	}
}
