package procserver

import (
	"bytes"
	"fmt"
	"os"
	"strconv"
	"strings"
	"time"
)

const supported = true

// clockTick is the unit of /proc/PID/stat's times. Linux fixes USER_HZ at
// 100 for user space on every architecture, whatever the kernel's own HZ.
const clockTick = 10 * time.Millisecond

// procStat is what Sample needs from /proc/PID/stat.
type procStat struct {
	ppid  int
	cpu   int64 // utime + stime + cutime + cstime, in clock ticks
	pages int64 // resident pages
}

// readStat parses /proc/PID/stat. The command name (field 2) is in
// parentheses and may itself hold spaces and parentheses, so the fields
// are counted from the last ')'.
func readStat(pid int) (procStat, error) {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return procStat{}, err
	}
	i := bytes.LastIndexByte(b, ')')
	if i < 0 {
		return procStat{}, fmt.Errorf("/proc/%d/stat: no ')' in %q", pid, b)
	}
	f := strings.Fields(string(b[i+1:]))
	// f[0] is field 3 (state): ppid is field 4, utime..cstime 14..17,
	// rss 24.
	if len(f) < 22 {
		return procStat{}, fmt.Errorf("/proc/%d/stat: %d fields after the name, want at least 22", pid, len(f))
	}
	var st procStat
	if st.ppid, err = strconv.Atoi(f[1]); err != nil {
		return procStat{}, fmt.Errorf("/proc/%d/stat: ppid: %w", pid, err)
	}
	for _, k := range []int{11, 12, 13, 14} {
		n, err := strconv.ParseInt(f[k], 10, 64)
		if err != nil {
			return procStat{}, fmt.Errorf("/proc/%d/stat: field %d: %w", pid, k+3, err)
		}
		st.cpu += n
	}
	if st.pages, err = strconv.ParseInt(f[21], 10, 64); err != nil {
		return procStat{}, fmt.Errorf("/proc/%d/stat: rss: %w", pid, err)
	}
	return st, nil
}

// Sample reads the server's process tree from /proc: the server and every
// live descendant, found by parent PID. A member's time includes what it
// reaped from its own exited children, so CPU only grows while members
// come and go.
func (s *Server) Sample() (Sample, error) {
	root := s.PID()
	rootStat, err := readStat(root)
	if err != nil {
		return Sample{}, fmt.Errorf("procserver: sample pid %d: %w", root, err)
	}
	smp := Sample{Procs: 1}
	ticks, pages := rootStat.cpu, rootStat.pages
	err = eachDescendant(root, func(pid int) bool {
		st, err := readStat(pid)
		if err != nil {
			return false // it exited since the walk; its parent reaps its time
		}
		smp.Procs++
		ticks += st.cpu
		pages += st.pages
		return true
	})
	if err != nil {
		return Sample{}, err
	}
	smp.CPU = time.Duration(ticks) * clockTick
	smp.RSS = pages * int64(os.Getpagesize())
	return smp, nil
}

// eachDescendant calls visit for every descendant of root, parents before
// their children, found by parent PID. visit reports whether the process
// was still there: one that has exited has no children to follow.
func eachDescendant(root int, visit func(pid int) bool) error {
	children := childrenFiles
	if _, err := os.Stat(fmt.Sprintf("/proc/%d/task/%d/children", root, root)); err != nil {
		// A kernel without CONFIG_PROC_CHILDREN: map the whole machine.
		all, err := childrenOf()
		if err != nil {
			return err
		}
		children = func(pid int) []int { return all[pid] }
	}
	queue := children(root)
	for len(queue) > 0 {
		pid := queue[0]
		queue = queue[1:]
		if visit(pid) {
			queue = append(queue, children(pid)...)
		}
	}
	return nil
}

// childrenFiles returns pid's children from each of its threads'
// /proc/PID/task/TID/children: a few reads, where mapping the machine
// reads every process's stat.
func childrenFiles(pid int) []int {
	dir := "/proc/" + strconv.Itoa(pid) + "/task"
	tasks, err := os.ReadDir(dir)
	if err != nil {
		return nil // it exited
	}
	var out []int
	for _, t := range tasks {
		b, err := os.ReadFile(dir + "/" + t.Name() + "/children")
		if err != nil {
			continue
		}
		for _, f := range strings.Fields(string(b)) {
			if c, err := strconv.Atoi(f); err == nil {
				out = append(out, c)
			}
		}
	}
	return out
}

// childrenOf maps every process on the machine to its children.
func childrenOf() (map[int][]int, error) {
	ents, err := os.ReadDir("/proc")
	if err != nil {
		return nil, fmt.Errorf("procserver: %w", err)
	}
	m := make(map[int][]int)
	for _, e := range ents {
		pid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		st, err := readStat(pid)
		if err != nil {
			continue // gone already
		}
		m[st.ppid] = append(m[st.ppid], pid)
	}
	return m, nil
}

// highWater returns a process's peak resident size (VmHWM) in bytes.
func highWater(pid int) (int64, error) { return procKB(pid, "status", "VmHWM") }

// procKB reads the line "key: N kB" of /proc/PID/file, in bytes.
func procKB(pid int, file, key string) (int64, error) {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/" + file)
	if err != nil {
		return 0, err
	}
	for line := range strings.Lines(string(b)) {
		if v, ok := strings.CutPrefix(line, key+":"); ok {
			kb, err := strconv.ParseInt(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(v), "kB")), 10, 64)
			if err != nil {
				return 0, fmt.Errorf("/proc/%d/%s: %s: %w", pid, file, key, err)
			}
			return kb << 10, nil
		}
	}
	return 0, fmt.Errorf("/proc/%d/%s: no %s line", pid, file, key)
}

// Proportional returns the proportional set size (Pss) of the server's
// process tree, in bytes: each member's resident pages, a page shared by k
// processes counted as 1/k in each. Summed over a tree, it counts a page
// the children share with their parent once, where a sum of RSS counts it
// once per child. It reads every member's /proc/PID/smaps_rollup, which
// walks its memory map: costlier than [Server.Sample], so it is not
// sampled during a window.
func (s *Server) Proportional() (int64, error) {
	root := s.PID()
	total, err := pss(root)
	if err != nil {
		return 0, fmt.Errorf("procserver: pss of pid %d: %w", root, err)
	}
	err = eachDescendant(root, func(pid int) bool {
		n, err := pss(pid)
		if err != nil {
			return false // it exited since the walk
		}
		total += n
		return true
	})
	return total, err
}

// pss reads the Pss line of /proc/PID/smaps_rollup, in bytes.
func pss(pid int) (int64, error) { return procKB(pid, "smaps_rollup", "Pss") }
