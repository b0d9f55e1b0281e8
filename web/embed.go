// Package web holds yizhan's map page: plain HTML, CSS and JavaScript with
// a vendored copy of Leaflet, embedded in the binary so that the page works
// offline and needs no build step. The api package serves FS at "/".
package web

import (
	"embed"
	"io/fs"
)

//go:embed index.html sw.js manifest.webmanifest static
var files embed.FS

// FS is the page's files, rooted so that the page is at "index.html", its
// service worker at "sw.js" (at the root, so that its scope is the whole
// page), and its scripts, styles, translations and Leaflet under "static/".
var FS fs.FS = files
