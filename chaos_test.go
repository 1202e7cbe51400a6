//go:build linux

package netlab_test

import (
	"flag"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/netlab-go/netlab/internal/models"
	"github.com/netlab-go/netlab/netlabtest"
)

// The chaos run's knobs. The defaults make the short run CI does; a soak is
//
//	go test -run TestChaos -chaos.duration 10m -v .
var (
	chaosSeed     = flag.Uint64("chaos.seed", 0, "chaos: the seed of every client's choices; 0 picks one from the clock (printed, so a run can be repeated)")
	chaosClients  = flag.Int("chaos.clients", 0, "chaos: clients per model; 0 means 200, or 100 with -short")
	chaosDuration = flag.Duration("chaos.duration", 0, "chaos: run clients for this long in all, split evenly between the models, instead of -chaos.clients of them (a soak)")
	chaosParallel = flag.Int("chaos.parallel", 8, "chaos: clients at once")
)

// chaosBigSize is the size of the file every download reads: several
// socket buffers, so that a client that stops reading mid-download leaves
// the server with bytes it cannot send.
const chaosBigSize = 1 << 20

// TestChaos runs a few hundred mixed echo, chat and files clients against
// every model, most of them misbehaving — leaving mid-line, mid-upload and
// mid-download, half-closing, resetting, sending garbage or one byte at a
// time — while well-behaved ones keep working. It then checks what
// docs/protocols.md promises through all of it: every upload that was
// answered OK is on disk intact, nothing partial is visible, every client
// that kept its side of the protocol got every byte it was owed, the server
// still serves, and its goroutines, descriptors and child processes are
// back to where they were after a warm-up.
func TestChaos(t *testing.T) {
	seed := *chaosSeed
	if seed == 0 {
		seed = uint64(time.Now().UnixNano())
	}
	t.Logf("chaos seed %d (repeat with -chaos.seed %d)", seed, seed)
	var total chaosFigures
	for _, m := range models.All {
		t.Run(m.Name, func(t *testing.T) {
			t.Run("misbehaving clients cost the others nothing and leave nothing behind", func(t *testing.T) {
				root := t.TempDir()
				big := netlabtest.Pattern(chaosBigSize, seed)
				require.NoError(t, os.WriteFile(filepath.Join(root, "big"), big, 0o644))
				p := startServerProc(t, m.Name, 0, root, "echo", "chat", "files")
				run := &chaosRun{p: p, root: root, big: big, uploads: map[string]string{}}

				// Warm-up: one well-behaved client of each service, so
				// that what a server sets up at its first client is in
				// the baseline.
				for i, kind := range []chaosKind{echoOK, chatOK, filesPutOK} {
					require.NoError(t, run.client(kind, rand.New(rand.NewPCG(seed, uint64(1<<32+i))), fmt.Sprint("warm", i)), "warm-up %s", kind)
				}
				base := p.Baseline()
				run.mu.Lock()
				run.verified, run.resets = 0, 0 // the figures count the chaos clients alone
				run.mu.Unlock()

				figs := chaosFigures{Faults: map[string]int{}}
				start := time.Now()
				clients, deadline := chaosPlan(len(models.All))
				errs := run.many(seed, clients, deadline, &figs)
				figs.Elapsed = time.Since(start)
				run.mu.Lock()
				figs.Faults["reset"] = run.resets
				figs.BytesVerified = run.verified
				run.mu.Unlock()
				for _, err := range errs[:min(len(errs), 10)] {
					t.Error(err)
				}
				require.Empty(t, errs, "%d of %d clients were not served as the protocol says", len(errs), figs.Conns)

				// The server still serves: once more each service.
				for i, kind := range []chaosKind{echoOK, chatOK, filesGetOK} {
					require.NoError(t, run.client(kind, rand.New(rand.NewPCG(seed, uint64(2<<32+i))), fmt.Sprint("after", i)), "after the chaos: %s", kind)
				}

				after := p.AtRest(base, parked(m, 3)) // three servers: echo, chat, files

				// Every upload answered OK is on disk with the checksum
				// the server gave, and nothing else is: the server at rest
				// has removed every upload cut short.
				for _, err := range run.checkUploads() {
					t.Error(err)
				}
				assert.Equal(t, []string{"big"}, netlabtest.FileNames(t, root), "the folder holds nothing partial (the verified uploads are removed as they are checked)")
				run.mu.Lock()
				figs.UploadsVerified = run.uploadsVerified
				run.mu.Unlock()
				figs.Parked = max(0, after.Goroutines-base.Goroutines)
				figs.Goroutines = max(0, after.Goroutines-base.Goroutines-parked(m, 3))
				figs.FDs, figs.Children = max(0, after.FDs-base.FDs), max(0, after.Children-base.Children)
				t.Logf("%s: %s; at rest %+v, baseline %+v", m.Name, figs.String(), after, base)
				total.add(&figs)
			})
		})
	}
	t.Logf("all models: %s", total.String())
}

// chaosPlan returns how many clients each model gets, or until when they
// run, from the flags.
func chaosPlan(models int) (clients int, deadline time.Time) {
	if *chaosDuration > 0 {
		// A soak: bounded in time, and in count too, so that a model
		// that answers instantly cannot run away.
		return 50_000_000, time.Now().Add(*chaosDuration / time.Duration(models))
	}
	clients = *chaosClients
	if clients <= 0 {
		clients = 200
		if testing.Short() {
			clients = 100
		}
	}
	return clients, time.Now().Add(24 * time.Hour)
}

// A chaosRun is one model's server under chaos, and what its clients
// learned.
type chaosRun struct {
	p    *serverProc
	root string // the files service's folder
	big  []byte // the file every download reads

	mu              sync.Mutex
	uploads         map[string]string // name → SHA-256 the server answered, of clients that are done; guarded by mu
	uploadsVerified int               // uploads found intact on disk and removed; guarded by mu
	verified        int64             // bytes the clients checked; guarded by mu
	resets          int               // clients that left with a reset; guarded by mu
}

// checkUploads checks every upload of a finished client against the
// checksum the server answered, by reading it from disk, and removes it, so
// that a soak's folder stays small. It returns one error an upload that is
// not intact.
func (r *chaosRun) checkUploads() []error {
	r.mu.Lock()
	defer r.mu.Unlock()
	var errs []error
	for name, want := range r.uploads {
		path := filepath.Join(r.root, name)
		b, err := os.ReadFile(path)
		switch {
		case err != nil:
			errs = append(errs, fmt.Errorf("upload %s, answered OK: %w", name, err))
		case netlabtest.SHA256(b) != want:
			errs = append(errs, fmt.Errorf("upload %s: SHA-256 %s on disk, the server answered %s", name, netlabtest.SHA256(b), want))
		default:
			r.uploadsVerified++
		}
		os.Remove(path)
		delete(r.uploads, name)
	}
	return errs
}

// many runs clients until n have run or deadline passed, chaosParallel at
// a time, each its choices drawn from seed and its number; it returns what
// went wrong, one error a client.
func (r *chaosRun) many(seed uint64, n int, deadline time.Time, figs *chaosFigures) []error {
	var (
		mu   sync.Mutex
		errs []error
		wg   sync.WaitGroup
		next = make(chan int)
	)
	for range max(1, *chaosParallel) {
		wg.Go(func() {
			for i := range next {
				rnd := rand.New(rand.NewPCG(seed, uint64(i)))
				kind := chaosKinds[rnd.IntN(len(chaosKinds))]
				err := r.client(kind, rnd, fmt.Sprint(i))
				var bad []error
				if r.pending() >= 500 {
					bad = r.checkUploads()
				}
				mu.Lock()
				figs.count(kind)
				if err != nil {
					errs = append(errs, fmt.Errorf("client %d (%s): %w", i, kind, err))
				}
				errs = append(errs, bad...)
				mu.Unlock()
			}
		})
	}
	for i := 0; i < n && time.Now().Before(deadline); i++ {
		next <- i
	}
	close(next)
	wg.Wait()
	slices.SortFunc(errs, func(a, b error) int { return strings.Compare(a.Error(), b.Error()) })
	return errs
}

// pending returns how many uploads wait to be checked.
func (r *chaosRun) pending() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return len(r.uploads)
}

// chaosFigures are what a chaos run reports.
type chaosFigures struct {
	Conns           int
	Faults          map[string]int // injected faults by kind
	BytesVerified   int64          // bytes a client checked against what it was owed
	UploadsVerified int            // uploads found intact on disk by SHA-256
	Elapsed         time.Duration
	Parked          int // goroutines above the baseline that a model keeps idle by design (a pool's workers)
	Goroutines      int // goroutines, descriptors and child processes above the baseline and not parked: leaks
	FDs             int
	Children        int
}

func (f *chaosFigures) count(kind chaosKind) {
	f.Conns++
	if fault := kind.fault(); fault != "" {
		f.Faults[fault]++
	}
}

func (f *chaosFigures) add(g *chaosFigures) {
	f.Conns += g.Conns
	if f.Faults == nil {
		f.Faults = map[string]int{}
	}
	for k, v := range g.Faults {
		f.Faults[k] += v
	}
	f.BytesVerified += g.BytesVerified
	f.UploadsVerified += g.UploadsVerified
	f.Elapsed += g.Elapsed
	f.Parked += g.Parked
	f.Goroutines += g.Goroutines
	f.FDs += g.FDs
	f.Children += g.Children
}

func (f *chaosFigures) String() string {
	kinds := make([]string, 0, len(f.Faults))
	faults := 0
	for k, v := range f.Faults {
		kinds = append(kinds, fmt.Sprintf("%s %d", k, v))
		faults += v
	}
	sort.Strings(kinds)
	return fmt.Sprintf("%d connections in %v, %d faults injected (%s), %d bytes verified, %d uploads verified, leaks: %d goroutines, %d descriptors, %d processes (%d idle workers parked)",
		f.Conns, f.Elapsed.Round(time.Millisecond), faults, strings.Join(kinds, ", "), f.BytesVerified, f.UploadsVerified,
		f.Goroutines, f.FDs, f.Children, f.Parked)
}
