// Package unsupported is the server a model offers on a system it cannot
// run on, so that programs using the model still build there: [Server]
// serves nothing and says so. It trades nothing — it only keeps each
// model's stand-in from restating the same five methods.
package unsupported
