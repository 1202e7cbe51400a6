// Package pythontogo holds the runnable side of docs/python-to-go.md: one
// Example for each construct of the course's Python chapter — threads,
// socketserver, select, selectors, asyncio, multiprocessing, thread pools,
// UDP, tkinter — written the way Go does it, and the chapter's classic
// pitfalls. It trades completeness for size: each example is the smallest
// program that shows its point, and CI runs every one.
package pythontogo
