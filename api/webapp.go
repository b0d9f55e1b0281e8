package api

import (
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io/fs"
	"mime"
	"path"
	"regexp"
	"sort"
	"strings"
	"sync"

	"github.com/andybalholm/brotli"
	"github.com/gofiber/fiber/v2"
	"github.com/gofiber/fiber/v2/middleware/compress"
)

// Cache policies of the web map's files.
const (
	// cacheVersioned is for a file asked for with the current build's
	// ?v=: its content never changes under that URL.
	cacheVersioned = "public, max-age=31536000, immutable"
	// cacheWebFile is for a file asked for without the current ?v=.
	cacheWebFile = "public, max-age=300"
	// cacheRevalidate is for the page itself and the service worker: a
	// browser asks again each time (a 304 when unchanged), so that a new
	// build reaches it at once.
	cacheRevalidate = "no-cache"
)

// webTypes are the media types of the web map's files that the mime
// package may not know or may name differently on another system.
var webTypes = map[string]string{
	".html":        "text/html; charset=utf-8",
	".js":          "text/javascript; charset=utf-8",
	".css":         "text/css; charset=utf-8",
	".json":        "application/json",
	".webmanifest": "application/manifest+json",
	".svg":         "image/svg+xml",
	".png":         "image/png",
	".txt":         "text/plain; charset=utf-8",
}

// webAsset is one file of the web map, held in memory with its gzip and
// brotli forms made once at start-up, so that no request compresses it.
type webAsset struct {
	body, gzip, br []byte // gzip and br are nil when compressing does not pay
	ctype          string
	etag           string
}

// webApp serves the web map's files. Every reference to a file under
// static/ in index.html (and the manifest and service worker links) gets
// ?v=<version>, the hash of all the files, so that those URLs can be
// cached for a year and a new build is a new URL.
type webApp struct {
	version string
	files   map[string]*webAsset // by path without the leading "/"
}

// assetRef finds the local file references of index.html that get ?v=.
var assetRef = regexp.MustCompile(`(href|src)="((?:static/[^"?#]+)|manifest\.webmanifest)"`)

// newWebApp reads every file of fsys into memory and compresses the
// compressible ones.
func newWebApp(fsys fs.FS) (*webApp, error) {
	raw := map[string][]byte{}
	var names []string
	err := fs.WalkDir(fsys, ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := fs.ReadFile(fsys, p)
		if err != nil {
			return fmt.Errorf("read web file %s: %w", p, err)
		}
		raw[p] = b
		names = append(names, p)
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("api: web files: %w", err)
	}
	sort.Strings(names)
	h := sha256.New()
	for _, n := range names {
		fmt.Fprintf(h, "%s\x00%d\x00", n, len(raw[n]))
		h.Write(raw[n])
	}
	w := &webApp{version: hex.EncodeToString(h.Sum(nil))[:12], files: map[string]*webAsset{}}
	if idx, ok := raw["index.html"]; ok {
		raw["index.html"] = assetRef.ReplaceAll(idx, []byte(`$1="$2?v=`+w.version+`"`))
	}
	for _, n := range names {
		a, err := newWebAsset(n, raw[n])
		if err != nil {
			return nil, err
		}
		w.files[n] = a
	}
	return w, nil
}

func newWebAsset(name string, body []byte) (*webAsset, error) {
	ext := path.Ext(name)
	ctype := webTypes[ext]
	if ctype == "" {
		ctype = mime.TypeByExtension(ext)
	}
	if ctype == "" {
		ctype = "application/octet-stream"
	}
	sum := sha256.Sum256(body)
	a := &webAsset{body: body, ctype: ctype, etag: `"` + hex.EncodeToString(sum[:8]) + `"`}
	if !compressible(ctype) || len(body) < 512 {
		return a, nil
	}
	forms, err := compressedForms(name, body, sum)
	if err != nil {
		return nil, err
	}
	a.gzip, a.br = forms.gzip, forms.br
	return a, nil
}

// PrepareWeb compresses the web map's files of fsys ahead of New, which
// then finds their compressed forms made (webCompression). A program
// that loads its records before it builds the server runs it beside the
// load: compressing takes a fifth of a second of one core, and much of a
// load leaves the other core idle. An error is left for New to report.
func PrepareWeb(fsys fs.FS) { _, _ = newWebApp(fsys) }

// webCompression holds the gzip and brotli forms of each distinct web file
// content, by its SHA-256, made once per process: every server of a
// process (tests start many) shares them.
var webCompression sync.Map // [32]byte → *compressedForm

// compressedForm is a file's gzip and brotli forms; nil where
// compressing does not pay.
type compressedForm struct{ gzip, br []byte }

// webBrotliLevel and webGzipLevel trade start-up time for bytes: brotli 9
// makes the web files 8 % larger than brotli 11 (105.9 KB against
// 97.9 KB for 362 KB) in an eighth of the time (65 ms against 500 ms).
const (
	webBrotliLevel = 9
	webGzipLevel   = gzip.BestCompression
)

// compressedForms returns the compressed forms of body, whose SHA-256 is sum.
func compressedForms(name string, body []byte, sum [32]byte) (*compressedForm, error) {
	if f, ok := webCompression.Load(sum); ok {
		return f.(*compressedForm), nil
	}
	var gz bytes.Buffer
	zw, err := gzip.NewWriterLevel(&gz, webGzipLevel)
	if err != nil {
		return nil, fmt.Errorf("api: gzip %s: %w", name, err)
	}
	if _, err := zw.Write(body); err != nil {
		return nil, fmt.Errorf("api: gzip %s: %w", name, err)
	}
	if err := zw.Close(); err != nil {
		return nil, fmt.Errorf("api: gzip %s: %w", name, err)
	}
	var br bytes.Buffer
	bw := brotli.NewWriterLevel(&br, webBrotliLevel)
	if _, err := bw.Write(body); err != nil {
		return nil, fmt.Errorf("api: brotli %s: %w", name, err)
	}
	if err := bw.Close(); err != nil {
		return nil, fmt.Errorf("api: brotli %s: %w", name, err)
	}
	f := &compressedForm{}
	if gz.Len() < len(body) {
		f.gzip = gz.Bytes()
	}
	if br.Len() < len(body) {
		f.br = br.Bytes()
	}
	actual, _ := webCompression.LoadOrStore(sum, f)
	return actual.(*compressedForm), nil
}

func compressible(ctype string) bool {
	return strings.HasPrefix(ctype, "text/") || strings.HasPrefix(ctype, "application/") || strings.HasPrefix(ctype, "image/svg")
}

// serve answers GET and HEAD of a web map file; anything else goes on to
// the next handler (a 404 problem when none claims it).
func (w *webApp) serve(c *fiber.Ctx) error {
	if c.Method() != fiber.MethodGet && c.Method() != fiber.MethodHead {
		return c.Next()
	}
	name := strings.TrimPrefix(c.Path(), "/")
	if name == "" {
		name = "index.html"
	}
	a, ok := w.files[name]
	if !ok {
		return c.Next()
	}
	switch {
	case name == "index.html" || name == "sw.js":
		c.Set(fiber.HeaderCacheControl, cacheRevalidate)
	case c.Query("v") == w.version:
		c.Set(fiber.HeaderCacheControl, cacheVersioned)
	default:
		c.Set(fiber.HeaderCacheControl, cacheWebFile)
	}
	if name == "sw.js" {
		// The worker sits at the root, so its scope is the whole page
		// already; the header says so for a page served under a prefix.
		c.Set("Service-Worker-Allowed", "/")
	}
	c.Set(fiber.HeaderContentType, a.ctype)
	if a.gzip != nil || a.br != nil {
		c.Set(fiber.HeaderVary, fiber.HeaderAcceptEncoding)
	}
	// Each encoding is its own representation with its own entity tag.
	body, coding := a.body, ""
	ae := c.Get(fiber.HeaderAcceptEncoding)
	switch {
	case a.br != nil && acceptsEncoding(ae, "br"):
		body, coding = a.br, "br"
	case a.gzip != nil && acceptsEncoding(ae, "gzip"):
		body, coding = a.gzip, "gzip"
	}
	etag := a.etag
	if coding != "" {
		etag = strings.TrimSuffix(etag, `"`) + "-" + coding + `"`
		c.Set(fiber.HeaderContentEncoding, coding)
	}
	c.Set(fiber.HeaderETag, etag)
	if noneMatch(c.Get(fiber.HeaderIfNoneMatch), etag) {
		c.Response().Header.Del(fiber.HeaderContentEncoding)
		return c.SendStatus(fiber.StatusNotModified)
	}
	return c.Send(body)
}

// acceptsEncoding reports whether an Accept-Encoding header accepts the
// content coding name: listed (or "*") without q=0.
func acceptsEncoding(header, name string) bool {
	for _, part := range strings.Split(header, ",") {
		coding, params, _ := strings.Cut(strings.TrimSpace(part), ";")
		coding = strings.ToLower(strings.TrimSpace(coding))
		if coding != name && coding != "*" {
			continue
		}
		q := strings.ReplaceAll(strings.ToLower(params), " ", "")
		if q == "q=0" || q == "q=0.0" || q == "q=0.00" || q == "q=0.000" {
			return false
		}
		return true
	}
	return false
}

// compressAnswers compresses the API's answers for clients that accept
// it (brotli, else gzip), at the fastest level: a nearest answer shrinks
// several-fold for a few microseconds. Bodies under 200 bytes, answers
// already encoded (the web files) and types that are not text stay as they
// are. A handler that returns an error is not touched: its problem answer
// is written afterwards by the error handler, uncompressed and whole.
var compressAnswers = compress.New(compress.Config{Level: compress.LevelBestSpeed})

// webRoutes serves the web map at "/" when one is configured; it goes
// last, taking only the paths no route above claimed.
func (s *Server) webRoutes() error {
	if s.cfg.Web == nil {
		return nil
	}
	w, err := newWebApp(s.cfg.Web)
	if err != nil {
		return err
	}
	s.app.Use(w.serve)
	return nil
}
