// Package models is the one table of netlab's concurrency models and the
// one table of its services: each entry's name, what it serves at once and
// how it is built from the flags every command shares. `netlab serve`,
// `netlab compare`, the comparison suite and every package's tests read
// them, so adding a model touches [All] and the model's own package and
// nothing else. It trades a little indirection — a constructor behind a
// function value — for never spelling a model's name to decide what it can
// do.
package models
