// echoload is the thread-per-client load generator docs/benchmarks.md sets
// beside loadgen.c: a thread per client, each one TCP connection doing 64-byte
// echo round trips with blocking calls for the given seconds, then the total
// round trips per second. No Go runtime, no netlab code. With more clients than
// cores its threads compete with the server for them, which is why
// benchmarks.md trusts loadgen.c (one thread, epoll) instead.
//
//	cc -O2 -pthread -o echoload echoload.c && ./echoload 127.0.0.1 PORT CLIENTS SECONDS
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>
static const char *host; static int port; static double dur;
static volatile int go, stop; static long counts[1024];
static double now(void){struct timespec t;clock_gettime(CLOCK_MONOTONIC,&t);return t.tv_sec+t.tv_nsec/1e9;}
static void *run(void *arg){
  long i=(long)arg; int fd=socket(AF_INET,SOCK_STREAM,0); struct sockaddr_in a={0};
  a.sin_family=AF_INET;a.sin_port=htons(port);inet_pton(AF_INET,host,&a.sin_addr);
  if(connect(fd,(void*)&a,sizeof a)){perror("connect");exit(1);}
  int one=1;setsockopt(fd,IPPROTO_TCP,TCP_NODELAY,&one,sizeof one);
  char buf[64];memset(buf,'a',64);
  while(!go);
  while(!stop){ if(write(fd,buf,64)!=64)break; int got=0; while(got<64){int n=read(fd,buf+got,64-got); if(n<=0)return 0; got+=n;} counts[i]++; }
  close(fd);return 0;}
int main(int c,char**v){host=v[1];port=atoi(v[2]);int n=atoi(v[3]);dur=atof(v[4]);
  pthread_t t[1024];for(long i=0;i<n;i++)pthread_create(&t[i],0,run,(void*)i);
  usleep(200000); double s=now(); go=1; usleep((useconds_t)(dur*1e6)); stop=1; double e=now()-s; long tot=0;
  for(int i=0;i<n;i++)tot+=counts[i]; printf("%d conns: %.0f req/s\n",n,tot/e); fflush(stdout); _exit(0);}
