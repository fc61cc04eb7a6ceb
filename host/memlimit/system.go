package memlimit

import (
	"bufio"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"strings"
)

// System is where the machine's memory is read from. The zero value reads
// the real files (DefaultSystem); tests point the paths at fake files.
type System struct {
	// ProcCgroup is /proc/self/cgroup: which cgroup the process is in.
	ProcCgroup string
	// CgroupRoot is where the cgroup file systems are mounted
	// (/sys/fs/cgroup): the v2 hierarchy itself, or one directory per v1
	// controller (memory/).
	CgroupRoot string
	// MemInfo is /proc/meminfo, for MemTotal.
	MemInfo string
}

// DefaultSystem reads the running machine.
var DefaultSystem = System{ProcCgroup: "/proc/self/cgroup", CgroupRoot: "/sys/fs/cgroup", MemInfo: "/proc/meminfo"}

// Memory is the memory the process may use: its cgroup's limit (v2
// memory.max, or v1 memory.limit_in_bytes) when it has one below the
// physical memory, else the physical memory (MemTotal). from says which
// ("cgroup" or "physical"). 0 with from "" means neither could be read
// (not Linux, or /proc not mounted).
func (s System) Memory() (bytes int64, from string) {
	phys := s.physical()
	if cg := s.cgroupLimit(); cg > 0 && (phys == 0 || cg < phys) {
		return cg, "cgroup"
	}
	if phys > 0 {
		return phys, "physical"
	}
	return 0, ""
}

// physical is MemTotal from /proc/meminfo, or 0.
func (s System) physical() int64 {
	f, err := os.Open(s.MemInfo)
	if err != nil {
		return 0
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		rest, ok := strings.CutPrefix(sc.Text(), "MemTotal:")
		if !ok {
			continue
		}
		fields := strings.Fields(rest)
		if len(fields) != 2 || fields[1] != "kB" {
			return 0
		}
		kb, err := strconv.ParseInt(fields[0], 10, 64)
		if err != nil || kb <= 0 {
			return 0
		}
		return kb << 10
	}
	return 0
}

// cgroupLimit is the memory limit of the process's cgroup, or 0 for none
// ("max", the v1 "unlimited" value, or files that cannot be read). The
// cgroup's own directory is tried first, then the mount's root: inside a
// container with its own cgroup namespace the path in /proc/self/cgroup
// is "/" and the root is the container's cgroup.
func (s System) cgroupLimit() int64 {
	b, err := os.ReadFile(s.ProcCgroup)
	if err != nil {
		return 0
	}
	for _, line := range strings.Split(strings.TrimSpace(string(b)), "\n") {
		// hierarchy-ID:controller-list:cgroup-path
		parts := strings.SplitN(line, ":", 3)
		if len(parts) != 3 {
			continue
		}
		var dirs []string
		var file string
		switch {
		case parts[0] == "0" && parts[1] == "": // v2
			dirs, file = []string{filepath.Join(s.CgroupRoot, parts[2]), s.CgroupRoot}, "memory.max"
		case hasController(parts[1], "memory"): // v1
			root := filepath.Join(s.CgroupRoot, "memory")
			dirs, file = []string{filepath.Join(root, parts[2]), root}, "memory.limit_in_bytes"
		default:
			continue
		}
		for _, d := range dirs {
			if n, err := readLimit(filepath.Join(d, file)); err == nil {
				if n > 0 {
					return n
				}
				break // this hierarchy says: no limit
			}
		}
	}
	return 0
}

func hasController(list, name string) bool {
	for _, c := range strings.Split(list, ",") {
		if c == name {
			return true
		}
	}
	return false
}

// unlimitedV1 is at or above what cgroup v1 writes for "no limit"
// (PAGE_COUNTER_MAX pages: 9223372036854771712 with 4 KiB pages).
const unlimitedV1 = 1 << 62

// readLimit reads a memory.max or memory.limit_in_bytes file: 0 for no
// limit, fs.ErrNotExist (or another error) when it cannot be read.
func readLimit(path string) (int64, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return 0, err
	}
	v := strings.TrimSpace(string(b))
	if v == "max" {
		return 0, nil
	}
	n, err := strconv.ParseInt(v, 10, 64)
	if err != nil {
		return 0, errors.Join(fs.ErrInvalid, err)
	}
	if n <= 0 || n >= unlimitedV1 {
		return 0, nil
	}
	return n, nil
}
