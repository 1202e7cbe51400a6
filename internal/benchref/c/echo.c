/*
 * echo.c: the floor for netlab's echo benchmarks. A single-threaded epoll
 * echo server that does, per request, what the system calls alone cost:
 * one epoll_wait shared by every ready socket, one read(2) and one write(2).
 * No buffering beyond one stack buffer, no queue, no timers: a reply the
 * socket cannot take at once is a protocol error for a ping-pong client
 * (it never has more than one request in flight) and the connection is
 * dropped.
 *
 * It speaks the benchmark helpers' line protocol on its standard streams,
 * so that a Go benchmark drives it like its own helper processes:
 *
 *	prints "listening 127.0.0.1:PORT" once it listens on a fresh port;
 *	on the line "cpu" prints "cpu USER SYSTEM": its CPU time so far, in µs;
 *	exits when its standard input ends.
 *
 * Build: cc -O2 -o echo echo.c (internal/benchref does it for the benchmarks).
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#define MAX_EVENTS 256
#define BUF_SIZE 65536

static void die(const char *what) {
	perror(what);
	exit(1);
}

/* command answers one line from standard input; it returns 0 at end of input. */
static int command(void) {
	static char line[256];
	static size_t have;
	ssize_t n = read(0, line + have, sizeof line - 1 - have);
	if (n <= 0)
		return 0;
	have += (size_t)n;
	char *nl;
	while ((nl = memchr(line, '\n', have)) != NULL) {
		*nl = 0;
		if (strcmp(line, "cpu") == 0) {
			struct rusage ru;
			getrusage(RUSAGE_SELF, &ru);
			printf("cpu %lld %lld\n",
			       (long long)ru.ru_utime.tv_sec * 1000000 + ru.ru_utime.tv_usec,
			       (long long)ru.ru_stime.tv_sec * 1000000 + ru.ru_stime.tv_usec);
		} else {
			fprintf(stderr, "echo: unknown command %s\n", line);
		}
		fflush(stdout);
		size_t used = (size_t)(nl - line) + 1;
		memmove(line, nl + 1, have - used);
		have -= used;
	}
	if (have == sizeof line - 1)
		have = 0; /* a line too long to be a command: drop it */
	return 1;
}

int main(void) {
	int lfd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (lfd < 0)
		die("socket");
	struct sockaddr_in sa = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
	socklen_t salen = sizeof sa;
	if (bind(lfd, (struct sockaddr *)&sa, sizeof sa) < 0 || listen(lfd, 4096) < 0 ||
	    getsockname(lfd, (struct sockaddr *)&sa, &salen) < 0)
		die("listen");

	int ep = epoll_create1(EPOLL_CLOEXEC);
	if (ep < 0)
		die("epoll_create1");
	struct epoll_event ev = {.events = EPOLLIN, .data.fd = lfd};
	if (epoll_ctl(ep, EPOLL_CTL_ADD, lfd, &ev) < 0)
		die("epoll_ctl listener");
	ev.data.fd = 0;
	if (epoll_ctl(ep, EPOLL_CTL_ADD, 0, &ev) < 0)
		die("epoll_ctl stdin");

	printf("listening 127.0.0.1:%d\n", ntohs(sa.sin_port));
	fflush(stdout);

	static struct epoll_event events[MAX_EVENTS];
	static char buf[BUF_SIZE];
	for (;;) {
		int n = epoll_wait(ep, events, MAX_EVENTS, -1);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			die("epoll_wait");
		}
		for (int i = 0; i < n; i++) {
			int fd = events[i].data.fd;
			if (fd == 0) {
				if (!command())
					return 0;
				continue;
			}
			if (fd == lfd) {
				int c;
				while ((c = accept4(lfd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC)) >= 0) {
					int one = 1;
					setsockopt(c, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
					struct epoll_event cev = {.events = EPOLLIN, .data.fd = c};
					if (epoll_ctl(ep, EPOLL_CTL_ADD, c, &cev) < 0)
						close(c);
				}
				continue;
			}
			ssize_t r = read(fd, buf, sizeof buf);
			if (r < 0 && (errno == EAGAIN || errno == EINTR))
				continue;
			if (r <= 0 || write(fd, buf, (size_t)r) != r)
				close(fd); /* closing drops it from the epoll set */
		}
	}
}
