/*
 * loadgen.c: the outside load generator of docs/benchmarks.md, built the
 * way wrk and memtier are: a few threads (one by default), each running
 * epoll over its share of the connections, each connection with one request
 * in flight. No Go runtime and no netlab code, so that what it measures of a
 * netlab server owes nothing to netlab's own client.
 *
 *	cc -O2 -pthread -o loadgen loadgen.c
 *	./loadgen [-t THREADS] [-w WARMUP] [-s SIZE] [-p] echo|chat HOST PORT CONNS SECONDS
 *
 * echo: every connection sends SIZE bytes (default 64) and sends again once
 * all of them have come back. chat: the connections are one room; each
 * member sends a line (SIZE bytes of text and a newline) once its previous
 * one has been delivered to every other member, and a delivery (one line
 * reaching one member) is what is counted.
 *
 * Every connection is made, set TCP_NODELAY and proven served (one echo
 * round trip; the chat welcome) before anything is timed. Then WARMUP
 * seconds (default 0.2) of load that is not counted, then SECONDS of load
 * that is: round trips or deliveries completed inside that window, their
 * latency from send to the last byte back, and this process's own CPU time.
 * It prints one line of key=value pairs and exits 0, or says what failed on
 * standard error and exits 1: a connection that fails is never left out of
 * the count in silence.
 *
 * -p makes the threads poll (epoll_wait with a zero timeout) instead of
 * sleeping in epoll_wait when nothing is ready: a diagnostic, to see what a
 * sleeping client's wake-ups cost a latency-bound load (Go's scheduler spins
 * a while before it sleeps).
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define MAX_THREADS 64
#define MAX_EVENTS 256
#define IN_SIZE 16384 /* received and not yet consumed: one echo reply, or a chat line begun */
#define NAME_SIZE 40

enum service { ECHO, CHAT };

/* A conn is one client connection. Its reading side belongs to one worker;
 * in chat, its message in flight is completed by whichever worker delivers
 * it to the last receiver, hence the atomics. */
struct conn {
	int fd;
	int idx;
	char name[NAME_SIZE]; /* chat: the name the server gave it */
	char in[IN_SIZE];     /* received, not yet consumed */
	size_t have;
	int64_t sent_at; /* ns; when the request or message in flight was sent */
	int64_t seq;     /* chat: the number of the message in flight */
	int left;        /* chat: receivers the message in flight has still to reach */
};

/* A worker is one thread: its epoll set, and what it measured. */
struct worker {
	pthread_t thread;
	int ep;
	struct conn **conns;
	int nconns;
	int64_t done;  /* completions inside the window */
	int64_t *lat;  /* their latencies, ns */
	size_t nlat, caplat;
};

static enum service service;
static struct conn *conns;
static int nconns, size = 64, spin;
static int64_t t_start, t_end; /* the window, ns on the monotonic clock; set before any worker runs */

static int64_t now_ns(void) {
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return (int64_t)t.tv_sec * 1000000000 + t.tv_nsec;
}

static void fail(const char *what) {
	perror(what);
	exit(1);
}

static void failf(const char *msg, const struct conn *c) {
	fprintf(stderr, "loadgen: connection %d: %s\n", c->idx, msg);
	exit(1);
}

static void record(struct worker *w, int64_t sent, int64_t at) {
	if (at < t_start || at >= t_end)
		return;
	w->done++;
	if (w->nlat == w->caplat) {
		w->caplat = w->caplat ? 2 * w->caplat : 65536;
		w->lat = realloc(w->lat, w->caplat * sizeof *w->lat);
		if (w->lat == NULL)
			fail("realloc");
	}
	w->lat[w->nlat++] = at - sent;
}

/* send_all writes a request whole. A ping-pong client never has more than
 * one small request in flight, so the socket's send buffer always has room:
 * a short write means the connection is broken. */
static void send_all(struct conn *c, const char *p, size_t n) {
	ssize_t k = write(c->fd, p, n);
	if (k != (ssize_t)n)
		failf(k < 0 ? strerror(errno) : "short write", c);
}

/* echo_msg is every echo request; main fills it before any worker starts. */
static char echo_msg[IN_SIZE];

static void echo_send(struct conn *c) {
	c->sent_at = now_ns();
	send_all(c, echo_msg, (size_t)size);
}

/* chat_send sends member c's next message, "INDEX SEQ xxx…": its index
 * names the sender to the receivers, who complete its delivery. */
static void chat_send(struct conn *c) {
	char msg[4200];
	int64_t seq = __atomic_load_n(&c->seq, __ATOMIC_RELAXED) + 1;
	int n = snprintf(msg, sizeof msg, "%d %lld ", c->idx, (long long)seq);
	memset(msg + n, 'x', (size_t)(size - n));
	msg[size] = '\n';
	__atomic_store_n(&c->left, nconns - 1, __ATOMIC_RELAXED);
	__atomic_store_n(&c->sent_at, now_ns(), __ATOMIC_RELAXED);
	__atomic_store_n(&c->seq, seq, __ATOMIC_RELEASE);
	send_all(c, msg, (size_t)size + 1);
}

/* chat_line handles one line a member received: a delivery of another
 * member's message in flight, or a notice ("* guest-3 joined"). */
static void chat_line(struct worker *w, struct conn *c, char *line, int64_t at) {
	if (line[0] == '*' && line[1] == ' ') {
		size_t n = strlen(line);
		if (n > 7 && strcmp(line + n - 5, " left") == 0) {
			line[n - 5] = 0;
			for (int i = 0; i < nconns; i++)
				if (strcmp(conns[i].name, line + 2) == 0)
					failf("a member was dropped by the server (did it fall behind?)", &conns[i]);
		}
		return;
	}
	char *text = strstr(line, ": "), *end = NULL;
	long from = -1;
	long long seq = -1;
	if (line[0] != '!' && text != NULL) {
		from = strtol(text + 2, &end, 10);
		if (*end == ' ')
			seq = strtoll(end + 1, &end, 10);
	}
	if (from < 0 || from >= nconns || seq < 0 || *end != ' ')
		failf("got a line that is no member's message", c);
	struct conn *s = &conns[from];
	if (seq != __atomic_load_n(&s->seq, __ATOMIC_ACQUIRE))
		failf("got a message that is not its sender's message in flight", c);
	record(w, __atomic_load_n(&s->sent_at, __ATOMIC_RELAXED), at);
	if (__atomic_sub_fetch(&s->left, 1, __ATOMIC_ACQ_REL) == 0 && at < t_end)
		chat_send(s);
}

/* readable consumes what c's socket holds: an echo completes when all
 * SIZE bytes are back, a chat delivery at each newline. */
static void readable(struct worker *w, struct conn *c) {
	ssize_t n = read(c->fd, c->in + c->have, sizeof c->in - c->have);
	if (n == 0)
		failf("the server closed the connection", c);
	if (n < 0) {
		if (errno == EAGAIN || errno == EINTR)
			return;
		failf(strerror(errno), c);
	}
	c->have += (size_t)n;
	int64_t at = now_ns();
	if (service == ECHO) {
		if (c->have > (size_t)size)
			failf("got more bytes back than were sent", c);
		if (c->have == (size_t)size) {
			c->have = 0;
			record(w, c->sent_at, at);
			if (at < t_end)
				echo_send(c);
		}
		return;
	}
	char *p = c->in, *nl;
	while ((nl = memchr(p, '\n', c->have - (size_t)(p - c->in))) != NULL) {
		*nl = 0;
		chat_line(w, c, p, at);
		p = nl + 1;
	}
	c->have -= (size_t)(p - c->in);
	memmove(c->in, p, c->have);
	if (c->have == sizeof c->in)
		failf("a line longer than the read buffer", c);
}

static void *run(void *arg) {
	struct worker *w = arg;
	struct epoll_event ev[MAX_EVENTS];
	for (int i = 0; i < w->nconns; i++) {
		if (service == ECHO)
			echo_send(w->conns[i]);
		else
			chat_send(w->conns[i]);
	}
	for (;;) {
		int64_t left = t_end - now_ns();
		if (left <= 0)
			return NULL;
		int timeout = spin ? 0 : (int)(left / 1000000) + 1;
		int n = epoll_wait(w->ep, ev, MAX_EVENTS, timeout);
		if (n < 0 && errno != EINTR)
			fail("epoll_wait");
		for (int i = 0; i < n; i++)
			readable(w, ev[i].data.ptr);
	}
}

/* dial connects client i with blocking calls, bounded by a 10 s timeout,
 * and proves it served: one echo round trip, or the chat welcome. */
static void dial(struct conn *c, int i, const struct sockaddr_in *addr) {
	c->idx = i;
	c->fd = socket(AF_INET, SOCK_STREAM, 0);
	if (c->fd < 0)
		fail("socket");
	int one = 1;
	struct timeval tv = {.tv_sec = 10};
	setsockopt(c->fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
	setsockopt(c->fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
	setsockopt(c->fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
	if (connect(c->fd, (const struct sockaddr *)addr, sizeof *addr) != 0)
		fail("connect");
	if (service == ECHO) {
		send_all(c, "x", 1);
		char b;
		if (read(c->fd, &b, 1) != 1)
			failf("no echo of a first byte within 10 s", c);
	} else {
		char *nl = NULL;
		while (nl == NULL) {
			ssize_t n = read(c->fd, c->in + c->have, sizeof c->in - c->have);
			if (n <= 0)
				failf("no welcome within 10 s", c);
			c->have += (size_t)n;
			nl = memchr(c->in, '\n', c->have);
		}
		*nl = 0;
		if (sscanf(c->in, "* welcome %39s", c->name) != 1)
			failf("the first line is not a welcome", c);
		c->have -= (size_t)(nl + 1 - c->in);
		memmove(c->in, nl + 1, c->have);
	}
	fcntl(c->fd, F_SETFL, fcntl(c->fd, F_GETFL) | O_NONBLOCK);
}

static int cmp64(const void *a, const void *b) {
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
	return (x > y) - (x < y);
}

static int64_t cpu_us(void) {
	struct rusage ru;
	getrusage(RUSAGE_SELF, &ru);
	return (int64_t)(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) * 1000000 + ru.ru_utime.tv_usec + ru.ru_stime.tv_usec;
}

static void sleep_until(int64_t t) {
	struct timespec ts = {.tv_sec = t / 1000000000, .tv_nsec = t % 1000000000};
	while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, NULL) == EINTR) {
	}
}

static void usage(void) {
	fprintf(stderr, "usage: loadgen [-t THREADS] [-w WARMUP_SECONDS] [-s SIZE] [-p] echo|chat HOST PORT CONNS SECONDS\n");
	exit(2);
}

int main(int argc, char **argv) {
	int threads = 1, opt;
	double warmup = 0.2;
	while ((opt = getopt(argc, argv, "t:w:s:p")) != -1) {
		switch (opt) {
		case 't': threads = atoi(optarg); break;
		case 'w': warmup = atof(optarg); break;
		case 's': size = atoi(optarg); break;
		case 'p': spin = 1; break;
		default: usage();
		}
	}
	if (argc - optind != 5)
		usage();
	if (strcmp(argv[optind], "echo") == 0)
		service = ECHO;
	else if (strcmp(argv[optind], "chat") == 0)
		service = CHAT;
	else
		usage();
	struct sockaddr_in addr = {.sin_family = AF_INET, .sin_port = htons((uint16_t)atoi(argv[optind + 2]))};
	nconns = atoi(argv[optind + 3]);
	double seconds = atof(argv[optind + 4]);
	int min_size = service == ECHO ? 1 : 32, max_size = service == ECHO ? IN_SIZE : 4000;
	if (inet_pton(AF_INET, argv[optind + 1], &addr.sin_addr) != 1 || nconns < (service == CHAT ? 2 : 1) ||
	    seconds <= 0 || warmup < 0 || threads < 1 || threads > MAX_THREADS || size < min_size || size > max_size) {
		fprintf(stderr, "loadgen: want an IPv4 HOST, a PORT, CONNS ≥ 1 (chat: ≥ 2), SECONDS > 0, 1 to %d threads, SIZE %d to %d\n", MAX_THREADS, min_size, max_size);
		exit(2);
	}
	if (threads > nconns)
		threads = nconns;
	memset(echo_msg, 'a', sizeof echo_msg);
	signal(SIGPIPE, SIG_IGN); /* a server that hangs up is an EPIPE to report, not a silent death */

	conns = calloc((size_t)nconns, sizeof *conns);
	struct worker *w = calloc((size_t)threads, sizeof *w);
	if (conns == NULL || w == NULL)
		fail("calloc");
	int64_t connecting = now_ns();
	for (int i = 0; i < nconns; i++)
		dial(&conns[i], i, &addr);
	int64_t connected = now_ns();
	for (int k = 0; k < threads; k++) {
		w[k].ep = epoll_create1(0);
		w[k].conns = calloc((size_t)nconns / (size_t)threads + 1, sizeof *w[k].conns);
		if (w[k].ep < 0 || w[k].conns == NULL)
			fail("epoll_create1");
	}
	for (int i = 0; i < nconns; i++) {
		struct worker *k = &w[i % threads];
		struct epoll_event ev = {.events = EPOLLIN, .data.ptr = &conns[i]};
		if (epoll_ctl(k->ep, EPOLL_CTL_ADD, conns[i].fd, &ev) != 0)
			fail("epoll_ctl");
		k->conns[k->nconns++] = &conns[i];
	}

	t_start = now_ns() + (int64_t)(warmup * 1e9);
	t_end = t_start + (int64_t)(seconds * 1e9);
	for (int k = 0; k < threads; k++)
		if (pthread_create(&w[k].thread, NULL, run, &w[k]) != 0)
			fail("pthread_create");
	sleep_until(t_start);
	int64_t cpu0 = cpu_us();
	sleep_until(t_end);
	int64_t cpu1 = cpu_us();
	int64_t done = 0;
	size_t nlat = 0;
	for (int k = 0; k < threads; k++) {
		pthread_join(w[k].thread, NULL);
		done += w[k].done;
		nlat += w[k].nlat;
	}
	int64_t *lat = malloc((nlat + 1) * sizeof *lat);
	if (lat == NULL)
		fail("malloc");
	for (int k = 0, at = 0; k < threads; k++) {
		memcpy(lat + at, w[k].lat, w[k].nlat * sizeof *lat);
		at += (int)w[k].nlat;
	}
	qsort(lat, nlat, sizeof *lat, cmp64);
#define Q(p) (nlat ? lat[(size_t)((double)(nlat - 1) * (p))] / 1000.0 : 0.0)
	printf("service=%s conns=%d threads=%d connect_ms=%.1f window_s=%.3f done=%lld per_s=%.0f "
	       "p50_us=%.1f p90_us=%.1f p99_us=%.1f p999_us=%.1f max_us=%.1f client_cpu_us_per_op=%.2f\n",
	       argv[optind], nconns, threads, (double)(connected - connecting) / 1e6, seconds, (long long)done,
	       (double)done / seconds, Q(0.50), Q(0.90), Q(0.99), Q(0.999), Q(1.0),
	       done ? (double)(cpu1 - cpu0) / (double)done : 0.0);
	fflush(stdout);
	/* The connections close with the process: the server sees every one go. */
	return 0;
}
