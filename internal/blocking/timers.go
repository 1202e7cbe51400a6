package blocking

import (
	"errors"
	"net"
	"time"
)

// pokeLocked moves the read deadline to now, so that a reader blocked in
// Read returns and looks at the connection's state.
func (c *Conn) pokeLocked() {
	c.armed = time.Time{}
	c.nc.SetReadDeadline(time.Now())
}

func isTimeout(err error) bool {
	var ne net.Error
	return errors.As(err, &ne) && ne.Timeout()
}
