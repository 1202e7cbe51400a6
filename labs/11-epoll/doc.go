// Package epoll is lab 11: an echo server on one epoll loop — one goroutine,
// non-blocking sockets, the kernel saying which one is ready — whose read,
// write and close handlers are to be completed. It trades everything the Go
// runtime's netpoller does for you for seeing it done by hand; epoll is
// Linux's, so the lab builds and runs on Linux only.
package epoll
