package web

import (
	"bytes"
	"embed"
	"html/template"
	"io/fs"
	"net/http"
	"time"
)

// static holds the pages' style sheet and scripts, and pages the pages,
// which share one template. They are plain files with no build step and
// nothing loaded from elsewhere, so the page works on a machine without a
// network and reads as it is served.
//
//go:embed static
var static embed.FS

//go:embed pages
var pages embed.FS

// A pageSpec is what one page says that the others do not: its name (its
// title, and the script that drives it, static/NAME.js), the layout of its
// main area (a class in style.css), the words around its log and input,
// and whether lines are shown in a monospaced font. A page may add a side
// panel of its own, the template "side" in pages/NAME.html.
type pageSpec struct {
	Name, Layout                      string
	LogTitle, InputLabel, Placeholder string
	Mono                              bool
}

var (
	chatPage = pageSpec{
		Name: "chat", Layout: "room",
		LogTitle: "Messages", InputLabel: "Message",
		Placeholder: "Message everyone — or /msg NAME text, /who, /help",
	}
	consolePage = pageSpec{
		Name: "console", Layout: "console",
		LogTitle: "Lines", InputLabel: "Line to send",
		Placeholder: "Type a line and press Enter", Mono: true,
	}
)

// render fills in the page template for p.
func render(p pageSpec) []byte {
	patterns := []string{"pages/page.html"}
	if side := "pages/" + p.Name + ".html"; fileExists(pages, side) {
		patterns = append(patterns, side)
	}
	t := template.Must(template.ParseFS(pages, patterns...))
	var b bytes.Buffer
	if err := t.ExecuteTemplate(&b, "page.html", p); err != nil {
		panic(err) // the embedded templates and specs are fixed
	}
	return b.Bytes()
}

func fileExists(fsys fs.FS, name string) bool {
	_, err := fs.Stat(fsys, name)
	return err == nil
}

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
	console := page(render(consolePage))
	home := console
	if s.page == ChatPage {
		home = page(render(chatPage))
	}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /ws", s.serveWS)
	mux.Handle("GET /{$}", home)
	mux.Handle("GET /console", console)
	mux.Handle("GET /static/", http.StripPrefix("/static/", secured(http.FileServerFS(files))))
	return mux
}

// page serves one rendered HTML page.
func page(html []byte) http.Handler {
	return secured(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		w.Header().Set("Cache-Control", "no-cache")
		http.ServeContent(w, r, "", time.Time{}, bytes.NewReader(html))
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
