package multiprocess

import (
	"fmt"
	"sync"
)

// A registry is a table of names that a program fills from its init
// functions and a child looks things up in after exec: the factories of
// services ([Register]) and the wrappers ([RegisterWrapper]).
type registry[T any] struct {
	kind string // what it holds, for messages: "factory", "wrapper"
	call string // the function that fills it, for messages

	mu sync.Mutex
	m  map[string]T // guarded by mu
}

// add registers v under name. Registering a name twice, or a nil value
// (isNil), panics, as [database/sql.Register] does: both are mistakes in
// the program, found the first time it runs.
func (r *registry[T]) add(name string, v T, isNil bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if isNil {
		panic(fmt.Sprintf("multiprocess: %s of a nil %s for %s", r.call, r.kind, name))
	}
	if _, dup := r.m[name]; dup {
		panic(fmt.Sprintf("multiprocess: %s called twice for %s", r.call, name))
	}
	if r.m == nil {
		r.m = make(map[string]T)
	}
	r.m[name] = v
}

// lookup returns what is registered under name.
func (r *registry[T]) lookup(name string) (T, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	v, ok := r.m[name]
	if !ok {
		return v, fmt.Errorf("multiprocess: no %s registered as %q: call multiprocess.%s in an init function of the program", r.kind, name, r.call)
	}
	return v, nil
}
