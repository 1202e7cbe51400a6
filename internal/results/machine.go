package results

import (
	"bufio"
	"os"
	"runtime"
	"strings"
	"time"
)

// Machine describes where a measurement ran: numbers from two machines are
// not comparable, and numbers from one machine under other load barely.
type Machine struct {
	CPU       string    `json:"cpu"`   // model name, from /proc/cpuinfo
	Cores     int       `json:"cores"` // logical CPUs this process may use
	Kernel    string    `json:"kernel"`
	GoVersion string    `json:"go_version"`
	OS        string    `json:"os"`
	Arch      string    `json:"arch"`
	Date      time.Time `json:"date"` // when the description was taken, UTC
}

// ThisMachine describes the machine this process runs on, now.
func ThisMachine() Machine {
	return Machine{
		CPU:       cpuModel(),
		Cores:     runtime.NumCPU(),
		Kernel:    kernel(),
		GoVersion: runtime.Version(),
		OS:        runtime.GOOS,
		Arch:      runtime.GOARCH,
		Date:      time.Now().UTC().Truncate(time.Second),
	}
}

// cpuModel reads the first "model name" in /proc/cpuinfo (x86) or, failing
// that, "Hardware" or "CPU part" (ARM); "unknown" elsewhere.
func cpuModel() string {
	f, err := os.Open("/proc/cpuinfo")
	if err != nil {
		return "unknown"
	}
	defer f.Close()
	var fallback string
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		key, val, ok := strings.Cut(sc.Text(), ":")
		if !ok {
			continue
		}
		switch strings.TrimSpace(key) {
		case "model name":
			return strings.TrimSpace(val)
		case "Hardware", "CPU part":
			if fallback == "" {
				fallback = strings.TrimSpace(val)
			}
		}
	}
	if fallback == "" {
		return "unknown"
	}
	return fallback
}
