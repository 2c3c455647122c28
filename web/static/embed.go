// Package static holds the portal's stylesheet, scripts and images, embedded in the binary
// and served under content-hashed names (app.3f2a9c1e.css) with a one-year immutable cache
// header, so a new release never meets a stale cached file.
package static

import (
	"bytes"
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"io/fs"
	"mime"
	"net/http"
	"path"
	"strings"
	"time"
)

//go:embed *.css *.js *.svg
var files embed.FS

// Prefix is the URL path under which assets are served.
const Prefix = "/static/"

var (
	hashed   = map[string]string{} // logical name → hashed name
	byHashed = map[string]string{} // hashed name → logical name
)

func init() {
	entries, err := fs.ReadDir(files, ".")
	if err != nil {
		panic(err)
	}
	for _, e := range entries {
		b, err := files.ReadFile(e.Name())
		if err != nil {
			panic(err)
		}
		sum := sha256.Sum256(b)
		ext := path.Ext(e.Name())
		name := strings.TrimSuffix(e.Name(), ext) + "." + hex.EncodeToString(sum[:4]) + ext
		hashed[e.Name()] = name
		byHashed[name] = e.Name()
	}
}

// Path returns the URL of asset name (e.g. "app.css") under its content-hashed name. It
// panics on an unknown name: that is a programming error caught by any page render test.
func Path(name string) string {
	h, ok := hashed[name]
	if !ok {
		panic("static: no asset " + name)
	}
	return Prefix + h
}

// Handler serves assets by hashed name, with long-lived cache headers; any other name is
// 404, so an old page asking for a file that changed since gets a clean miss.
func Handler() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		name, ok := byHashed[strings.TrimPrefix(r.URL.Path, Prefix)]
		if !ok {
			http.NotFound(w, r)
			return
		}
		b, _ := files.ReadFile(name)
		if ct := mime.TypeByExtension(path.Ext(name)); ct != "" {
			w.Header().Set("Content-Type", ct)
		}
		w.Header().Set("Cache-Control", "public, max-age=31536000, immutable")
		http.ServeContent(w, r, name, time.Time{}, bytes.NewReader(b))
	})
}
