package workload

import (
	"context"
	"time"

	"github.com/netlab-go/netlab/echo"
)

// EchoFleet connects conns echo clients that send size bytes per round trip
// and stay connected across rounds: each round trip is one operation of
// [Fleet.Run], the workload that shows a model's cost per request, since
// echo itself does no work.
func EchoFleet(ctx context.Context, addr string, conns, size int) (*Fleet, error) {
	return Connect(ctx, conns, func(ctx context.Context, i int) (Client, error) {
		c, err := echo.Dial(ctx, addr)
		if err != nil {
			return nil, err
		}
		// One deadline for the whole run: a server that stops answering
		// fails the run instead of hanging it.
		if d, ok := ctx.Deadline(); ok {
			c.Conn().SetDeadline(d)
		}
		msg := make([]byte, size)
		for j := range msg {
			msg[j] = byte('a' + (i+j)%26)
		}
		return &echoClient{c: c, msg: msg}, nil
	})
}

type echoClient struct {
	c   *echo.Client
	msg []byte
}

func (e *echoClient) Op(ctx context.Context, rec *Recorder) error {
	start := time.Now()
	if _, err := e.c.Echo(e.msg); err != nil {
		return err
	}
	rec.Observe(time.Since(start), int64(len(e.msg)))
	return nil
}

func (e *echoClient) Close() error { return e.c.Close() }
