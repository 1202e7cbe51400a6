package web

import (
	"embed"
	"io/fs"
	"net/http"
)

// static holds the pages, their style sheet and their scripts. They are
// plain files with no build step and nothing loaded from elsewhere, so the
// page works on a machine without a network and reads as it is served.
//
//go:embed static
var static embed.FS

// contentPolicy lets a page load only its own files and open WebSockets;
// nothing inline runs, so a chat line can never become a script.
const contentPolicy = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; " +
	"connect-src 'self' ws: wss:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"

// routes is the server's URL space.
func (s *Server) routes() *http.ServeMux {
	files, err := fs.Sub(static, "static")
	if err != nil {
		panic(err) // the embedded tree always has the folder
	}
	home := "console.html"
	if s.page == ChatPage {
		home = "chat.html"
	}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /ws", s.serveWS)
	mux.Handle("GET /{$}", page(files, home))
	mux.Handle("GET /console", page(files, "console.html"))
	mux.Handle("GET /static/", http.StripPrefix("/static/", secured(http.FileServerFS(files))))
	return mux
}

// page serves one embedded HTML file.
func page(files fs.FS, name string) http.Handler {
	return secured(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		w.Header().Set("Cache-Control", "no-cache")
		http.ServeFileFS(w, r, files, name)
	}))
}

// secured adds the headers every response carries.
func secured(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Security-Policy", contentPolicy)
		w.Header().Set("X-Content-Type-Options", "nosniff")
		w.Header().Set("Referrer-Policy", "no-referrer")
		h.ServeHTTP(w, r)
	})
}
