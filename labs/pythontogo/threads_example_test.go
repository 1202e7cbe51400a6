package pythontogo

import (
	"context"
	"fmt"
	"sync"
	"time"
)

// _thread.start_new_thread(f, (x,)) is `go f(x)`. Python's low-level
// _thread gives no join; in Go nothing waits for a goroutine either unless
// the program says so — here with a WaitGroup.
func Example_startNewThread() {
	var wg sync.WaitGroup
	results := make([]string, 3)
	for i := range 3 {
		wg.Go(func() { results[i] = fmt.Sprintf("thread %d done", i) })
	}
	wg.Wait()
	for _, r := range results {
		fmt.Println(r)
	}
	// Output:
	// thread 0 done
	// thread 1 done
	// thread 2 done
}

// threading.Thread(target=receive, args=(sock,)); t.start(); t.join() is a
// goroutine and a channel it closes when it ends.
func Example_threadTarget() {
	lines := make(chan string)
	done := make(chan struct{})
	receive := func(src <-chan string) {
		defer close(done)
		for l := range src {
			fmt.Println("received:", l)
		}
	}
	go receive(lines) // t.start()
	lines <- "hello"
	lines <- "world"
	close(lines)
	<-done // t.join()
	// Output:
	// received: hello
	// received: world
}

// A threading.Thread subclass with run() is a type with a Run method; the
// "thread" is `go w.Run()`. State the thread keeps is the struct's fields.
type counter struct {
	name string
	n    int
	done chan struct{}
}

// Run counts to 3 and says so.
func (c *counter) Run() {
	defer close(c.done)
	for range 3 {
		c.n++
	}
	fmt.Printf("%s counted to %d\n", c.name, c.n)
}

func Example_threadSubclass() {
	w := &counter{name: "worker", done: make(chan struct{})}
	go w.Run()
	<-w.done
	// Output: worker counted to 3
}

// daemon=True threads die when the main thread ends; every goroutine does,
// when main returns. A goroutine nobody stops is a daemon thread by
// accident: give it a context and wait for it, as netlab's servers do.
func Example_daemonThreads() {
	ctx, cancel := context.WithCancel(context.Background())
	stopped := make(chan error)
	go func() {
		tick := time.NewTicker(time.Millisecond)
		defer tick.Stop()
		for {
			select {
			case <-ctx.Done():
				stopped <- ctx.Err()
				return
			case <-tick.C: // the daemon's work
			}
		}
	}()
	cancel()
	fmt.Println("worker stopped:", <-stopped)
	// Output: worker stopped: context canceled
}
