package main

import (
	"bufio"
	"bytes"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/netlab-go/netlab/netlabtest"
)

// The docs' commands, run: every shell command in README.md and docs/ is
// run against a temporary folder, so a page that says a command works is
// tested to say so. A block is a run of commands in one code block; a
// server it starts (`netlab serve`) runs in the background until the
// block's last command has finished, and is then stopped with SIGINT. What
// is changed to make a command short and safe to run:
//
//   - `go run ./cmd/netlab` is the netlab binary the tests built;
//   - /tmp/... is a folder of the test's own, and the well-known ports
//     (7007-7010, 8080) are free ports picked for the block;
//   - a go command runs in the checkout, but what it writes (-o, -out, >,
//     tee) goes to the page's folder: the checkout is never written to;
//   - benchmarks run once (-benchtime 1x, -count 1), compare runs for
//     10ms a cell, nc -q waits 1s;
//   - standard input is empty, so an interactive client leaves at once.
//
// A block that cannot run so is listed in docsSkipped with the reason; a
// command a page shows failing is in docsFailing, with the exit status it
// must end with. The test fails if the checkout gains a file meanwhile.
func TestDocsCommandsWork(t *testing.T) {
	root := filepath.Join("..", "..")
	pages, err := filepath.Glob(filepath.Join(root, "docs", "*.md"))
	require.NoError(t, err)
	more, err := filepath.Glob(filepath.Join(root, "docs", "*", "*.md"))
	require.NoError(t, err)
	pages = append(append([]string{filepath.Join(root, "README.md")}, pages...), more...)
	before := strayFiles(t, root)
	t.Cleanup(func() {
		if before == nil {
			return
		}
		var stray []string
		for f := range strayFiles(t, root) {
			if !before[f] {
				stray = append(stray, f)
			}
		}
		slices.Sort(stray)
		assert.Empty(t, stray, "the docs' commands wrote into the checkout; point their output at the page's folder (see rewrite)")
	})
	ran := docsRan
	for _, page := range pages {
		b, err := os.ReadFile(page)
		require.NoError(t, err)
		rel, _ := filepath.Rel(root, page)
		blocks := docBlocks(string(b))
		if len(blocks) == 0 {
			continue
		}
		t.Run(filepath.ToSlash(rel), func(t *testing.T) {
			// A page is read top to bottom: a server one block starts serves
			// the blocks after it, until a block starts another.
			pg := newDocPage(t, root, ran)
			for _, blk := range blocks {
				t.Run(fmt.Sprintf("line %d: %s", blk.line, blk.cmds[0]), func(t *testing.T) {
					pg.run(t, rel, blk)
				})
			}
		})
	}
}

// strayFiles returns the files in the checkout at root that git does not
// track (untracked or ignored), or nil where git cannot say.
func strayFiles(t *testing.T, root string) map[string]bool {
	out, err := exec.Command("git", "-C", root, "status", "--porcelain", "--ignored", "--untracked-files=all").Output()
	if err != nil {
		t.Logf("not checking that the checkout stays clean: git status: %v", err)
		return nil
	}
	files := map[string]bool{}
	for line := range strings.Lines(string(out)) {
		if st, f, ok := strings.Cut(strings.TrimRight(line, "\n"), " "); ok && (st == "??" || st == "!!") {
			files[f] = true
		}
	}
	return files
}

// docsRan is every go command the docs test has run in this process: one
// quoted on several pages runs once, and so does one under -count=N, since
// a benchmark run again measures nothing new about the docs.
var docsRan = &ranCommands{seen: map[string]bool{}}

// ranCommands remembers the commands run, so that one quoted on several
// pages is run once.
type ranCommands struct {
	mu   sync.Mutex
	seen map[string]bool
}

// first reports whether c is run for the first time, and notes it.
func (r *ranCommands) first(c string) bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.seen[c] {
		return false
	}
	r.seen[c] = true
	return true
}

// docsSkipped lists the blocks that are not run, by page and a piece of
// their first command, with why.
var docsSkipped = []struct{ page, cmd, why string }{
	{"README.md", "go test ./...", "it is the suite this test is part of"},
	{"docs/services/chat.md", "go test -race ./chat/", "the race detector over chat's whole suite takes minutes; CI runs go test -race ./..."},
	{"docs/web.md", "go test ./web/ -run Browser -screenshots", "it drives Chromium, which the web package's own tests do when it is installed"},
}

// docsFailing lists the commands the docs show failing on purpose, by page
// and a piece of the command, with the exit status they must end with.
var docsFailing = []struct {
	page, cmd string
	status    int
}{
	{"docs/services/chat.md", "-name 'no way'", 2},
	{"docs/labs.md", "labtool check 01", 1},             // the starter, as handed out
	{"docs/teaching.md", "labtool check 05-framing", 1}, // in the checkout, check grades the starter
	{"docs/services/files.md", "get photo.jpg notes.txt missing", 1},
	{"docs/services/files.md", "get ../etc/passwd", 1},
}

// wantStatus returns the exit status the command c of page must end with.
func wantStatus(page, c string) int {
	for _, f := range docsFailing {
		if f.page == filepath.ToSlash(page) && strings.Contains(c, f.cmd) {
			return f.status
		}
	}
	return 0
}

// skipReason says why blk of page is not run, or "": the reason given for
// any of its commands in docsSkipped, since the rest of a block depends on
// every command in it.
func skipReason(page string, blk docBlock) string {
	page = filepath.ToSlash(page)
	for _, c := range blk.cmds {
		if strings.HasPrefix(c, "nc ") {
			return "nc is typed at; the same exchanges are the transcripts of the udp and chat tests"
		}
		for _, s := range docsSkipped {
			if s.page == page && strings.Contains(c, s.cmd) {
				return s.why
			}
		}
	}
	return ""
}

// pipedTools are the programs other than netlab and go that the docs'
// commands pipe into, each with the Debian package that brings it.
var pipedTools = map[string]string{"nc": "netcat-openbsd"}

// missingTool returns the program that c pipes into and that is not
// installed, or "".
func missingTool(c string) string {
	for _, stage := range strings.Split(c, "|")[1:] {
		name, _, _ := strings.Cut(strings.TrimSpace(stage), " ")
		if _, ok := pipedTools[name]; !ok {
			continue
		}
		if _, err := exec.LookPath(name); err != nil {
			return name
		}
	}
	return ""
}

// A docBlock is the commands of one code block of a page.
type docBlock struct {
	line int // where the block starts in its page
	cmds []string
}

// commandWords are the first words of the lines in code blocks that are
// commands (and not Go code, program output or a table).
var commandWords = []string{"go", "netlab", "/tmp/netlab", "mkdir", "printf", "head", "nc", "curl"}

// docBlocks returns the commands in the code blocks of a Markdown page:
// fenced blocks (``` with no language, or sh, shell, console) and indented
// ones. In a block whose commands have a "$ " prompt, only those lines are
// commands; the rest is their output.
func docBlocks(md string) []docBlock {
	var blocks []docBlock
	var cur *docBlock
	var lines []string
	fenced, fenceOK := false, false
	flush := func() {
		if cur != nil {
			cur.cmds = commandsOf(lines)
			if len(cur.cmds) > 0 {
				blocks = append(blocks, *cur)
			}
		}
		cur, lines = nil, nil
	}
	for i, line := range strings.Split(md, "\n") {
		trimmed := strings.TrimSpace(line)
		if strings.HasPrefix(trimmed, "```") {
			if fenced {
				if fenceOK {
					flush()
				}
				fenced = false
				continue
			}
			flush()
			fenced = true
			info := strings.TrimPrefix(trimmed, "```")
			fenceOK = slices.Contains([]string{"", "sh", "shell", "console", "bash"}, info)
			if fenceOK {
				cur = &docBlock{line: i + 1}
			}
			continue
		}
		if fenced {
			if fenceOK {
				lines = append(lines, line)
			}
			continue
		}
		// An indented block: four spaces, or three inside a numbered list.
		if strings.HasPrefix(line, "   ") && trimmed != "" {
			if cur == nil {
				cur = &docBlock{line: i + 1}
			}
			lines = append(lines, trimmed)
			continue
		}
		if trimmed != "" || cur == nil {
			flush()
		}
	}
	flush()
	return blocks
}

func commandsOf(lines []string) []string {
	prompted := slices.ContainsFunc(lines, func(l string) bool { return strings.HasPrefix(strings.TrimSpace(l), "$ ") })
	var cmds []string
	for _, l := range lines {
		l = strings.TrimSpace(l)
		if prompted {
			var ok bool
			if l, ok = strings.CutPrefix(l, "$ "); !ok {
				continue
			}
		}
		l = stripComment(l)
		if first, _, _ := strings.Cut(l, " "); slices.Contains(commandWords, first) {
			cmds = append(cmds, l)
		}
	}
	return cmds
}

// stripComment drops a shell comment: a # after a space, outside quotes.
func stripComment(l string) string {
	quote := rune(0)
	for i, r := range l {
		switch {
		case quote != 0:
			if r == quote {
				quote = 0
			}
		case r == '\'' || r == '"':
			quote = r
		case r == '#' && (i == 0 || l[i-1] == ' '):
			return strings.TrimSpace(l[:i])
		}
	}
	return strings.TrimSpace(l)
}

var (
	wellKnownPort = regexp.MustCompile(`\b(70(?:0[7-9]|10)|8080)\b`)
	benchtime     = regexp.MustCompile(`-benchtime \S+`)
	count         = regexp.MustCompile(`-count \d+`)
	duration      = regexp.MustCompile(`-duration \S+`)
	fuzztime      = regexp.MustCompile(`-fuzztime \S+`)
	ncLinger      = regexp.MustCompile(`\bnc -q \d+`)
	// outputPath is where a command names a file it writes: -o FILE,
	// -out DIR, a redirection or tee.
	outputPath = regexp.MustCompile(`(^|\s)(-o|-out|>>?|tee)\s+([^\s&|;]+)`)
)

// A docPage is the state a reader's shell has while following a page: a
// folder standing for /tmp, the ports picked for the well-known ones, and
// the servers running.
type docPage struct {
	root, dir string
	env       []string
	ports     map[string]string
	servers   []*exec.Cmd
	ran       *ranCommands
}

func newDocPage(t *testing.T, root string, ran *ranCommands) *docPage {
	dir := t.TempDir()
	require.NoError(t, os.Mkdir(filepath.Join(dir, "docs"), 0o755)) // for -svg docs/...
	require.NoError(t, os.Mkdir(filepath.Join(dir, "tmp"), 0o755))
	bin := t.TempDir()
	require.NoError(t, os.Symlink(netlabBin, filepath.Join(bin, "netlab")))
	pg := &docPage{
		root: root, dir: dir, ports: map[string]string{}, ran: ran,
		env: append(os.Environ(), "PATH="+bin+string(os.PathListSeparator)+os.Getenv("PATH"), "GORACE=atexit_sleep_ms=0"),
	}
	t.Cleanup(func() { pg.stopServers(t) })
	return pg
}

// stopServers stops the servers running, as the reader's Ctrl-C would.
func (pg *docPage) stopServers(t *testing.T) {
	for _, s := range pg.servers {
		s.Process.Signal(os.Interrupt)
		assert.NoError(t, s.Wait(), "a server the docs start stops cleanly at SIGINT")
	}
	pg.servers = nil
}

// rewrite makes a documented command short and safe to run here.
func (pg *docPage) rewrite(t *testing.T, c string) string {
	c = strings.ReplaceAll(c, "go run ./cmd/netlab ", "netlab ")
	if rest, ok := strings.CutPrefix(c, "/tmp/netlab "); ok {
		c = "netlab " + rest // the binary a block built is the one built here
	}
	c = strings.ReplaceAll(c, "/tmp/", pg.dir+"/tmp/")
	c = wellKnownPort.ReplaceAllStringFunc(c, func(p string) string {
		if pg.ports[p] == "" {
			pg.ports[p] = freePort(t)
		}
		return pg.ports[p]
	})
	if strings.HasPrefix(c, "go ") {
		c = pg.outputsHere(c)
	}
	if strings.HasPrefix(c, "go test") {
		c = benchtime.ReplaceAllString(c, "-benchtime 1x")
		c = count.ReplaceAllString(c, "-count 1")
		c = fuzztime.ReplaceAllString(c, "-fuzztime 20x")
	}
	// The output is not compared, so nc need not wait long for the last
	// of it after its input ends.
	c = ncLinger.ReplaceAllString(c, "nc -q 1")
	if strings.HasPrefix(c, "netlab compare") {
		c = duration.ReplaceAllString(c, "") + " -duration 10ms"
	}
	return c
}

// outputsHere points the files a go command writes into the page's folder:
// a go command runs in the checkout (it names packages by their paths), and
// a relative -o, -out, > or tee would otherwise write there, an absolute one
// outside the test's folders.
func (pg *docPage) outputsHere(c string) string {
	return outputPath.ReplaceAllStringFunc(c, func(m string) string {
		sub := outputPath.FindStringSubmatch(m)
		path := sub[3]
		if path == "/dev/null" || strings.HasPrefix(path, pg.dir) {
			return m
		}
		return sub[1] + sub[2] + " " + filepath.Join(pg.dir, path)
	})
}

// run runs one block's commands.
func (pg *docPage) run(t *testing.T, page string, blk docBlock) {
	if reason := skipReason(page, blk); reason != "" {
		t.Skip(reason)
	}
	// A command piping into a program that is not installed is left out,
	// and the rest of the block still runs: a server it starts serves the
	// blocks after it. Then the block is skipped, or failed under CI.
	startedHere := false
	missing := ""
	defer func() {
		if missing != "" && !t.Failed() {
			netlabtest.Missing(t, missing, "apt-get install -y "+pipedTools[missing])
		}
	}()
	for _, c := range blk.cmds {
		want := wantStatus(page, c)
		c = pg.rewrite(t, c)
		if name := missingTool(c); name != "" {
			t.Logf("%s: not run", c)
			missing = name
			continue
		}
		if strings.HasPrefix(c, "netlab serve") {
			if !startedHere {
				pg.stopServers(t) // a new setup: the reader stops the old one
				startedHere = true
			}
			pg.servers = append(pg.servers, startDocServer(t, pg.dir, pg.env, strings.TrimSuffix(c, " &")))
			continue
		}
		if strings.HasPrefix(c, "go ") && !pg.ran.first(c) {
			t.Logf("%s: run already, for an earlier page", c)
			continue
		}
		if testing.Short() && strings.HasPrefix(c, "go test") {
			t.Logf("%s: not run with -short", c)
			continue
		}
		cmd := exec.CommandContext(t.Context(), "sh", "-c", c)
		cmd.Dir, cmd.Env = pg.dir, pg.env
		if strings.HasPrefix(c, "go ") {
			cmd.Dir = pg.root
		}
		cmd.WaitDelay = 5 * time.Second
		out, err := cmd.CombinedOutput()
		if want == 0 {
			require.NoError(t, err, "%s:\n%s", c, out)
			continue
		}
		require.Error(t, err, "%s: documented to fail, and did not:\n%s", c, out)
		assert.Equal(t, want, cmd.ProcessState.ExitCode(), "%s:\n%s", c, out)
	}
}

// startDocServer runs a documented `netlab serve` and waits until it
// listens.
func startDocServer(t *testing.T, dir string, env []string, c string) *exec.Cmd {
	t.Helper()
	cmd := exec.Command("sh", "-c", "exec "+c)
	cmd.Dir, cmd.Env = dir, env
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.StdoutPipe()
	require.NoError(t, err)
	require.NoError(t, cmd.Start())
	line, err := bufio.NewReader(out).ReadString('\n')
	if err != nil {
		cmd.Wait()
		require.NoError(t, err, "%s printed no 'listening on' line:\n%s", c, stderr.String())
	}
	require.True(t, strings.HasPrefix(line, "listening on "), "%s printed %q", c, line)
	go func() { // keep reading, so the server never blocks on a full pipe
		var sink bytes.Buffer
		sink.ReadFrom(out)
	}()
	return cmd
}

// freePort returns a port number that was free a moment ago.
func freePort(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	defer l.Close()
	_, port, _ := net.SplitHostPort(l.Addr().String())
	return port
}
