package memlimit

import (
	"errors"
	"math"
	"os"
	"path/filepath"
	"runtime/debug"
	"testing"
)

func TestParse(t *testing.T) {
	for _, c := range []struct {
		in   string
		want Limit
		bad  bool
	}{
		{in: "auto", want: Limit{}},
		{in: "AUTO", want: Limit{}},
		{in: "off", want: Limit{Off: true}},
		{in: "0", want: Limit{Off: true}},
		{in: "0MiB", want: Limit{Off: true}},
		{in: "512MiB", want: Limit{Bytes: 512 << 20}},
		{in: "1g", want: Limit{Bytes: 1 << 30}},
		{in: "33554432", want: Limit{Bytes: Min}},
		{in: "31MiB", bad: true},
		{in: "-1GiB", bad: true},
		{in: "lots", bad: true},
		{in: "", bad: true},
	} {
		got, err := Parse(c.in)
		if c.bad {
			if !errors.Is(err, ErrBadLimit) {
				t.Errorf("%q: %+v, %v; want ErrBadLimit", c.in, got, err)
			}
			continue
		}
		if err != nil || got != c.want {
			t.Errorf("%q: %+v, %v; want %+v", c.in, got, err, c.want)
			continue
		}
		if again, err := Parse(got.String()); err != nil || again != got {
			t.Errorf("%q: String %q reads back as %+v, %v", c.in, got.String(), again, err)
		}
	}
}

// fakeSystem writes a /proc/self/cgroup, a cgroup tree and a meminfo
// under a temp dir; files left "" are not written.
func fakeSystem(t *testing.T, procCgroup string, files map[string]string, memTotalKB string) System {
	t.Helper()
	dir := t.TempDir()
	sys := System{
		ProcCgroup: filepath.Join(dir, "proc-self-cgroup"),
		CgroupRoot: filepath.Join(dir, "cgroup"),
		MemInfo:    filepath.Join(dir, "meminfo"),
	}
	write := func(path, content string) {
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if procCgroup != "" {
		write(sys.ProcCgroup, procCgroup)
	}
	for name, content := range files {
		write(filepath.Join(sys.CgroupRoot, name), content)
	}
	if memTotalKB != "" {
		write(sys.MemInfo, "MemTotal:       "+memTotalKB+" kB\nMemFree:         1000 kB\n")
	}
	return sys
}

func TestSystemMemory(t *testing.T) {
	const physKB = "16777216" // 16 GiB
	for _, c := range []struct {
		name     string
		cgroup   string
		files    map[string]string
		memTotal string
		want     int64
		from     string
	}{
		{name: "v2 limit", cgroup: "0::/system.slice/sluice.service\n",
			files:    map[string]string{"system.slice/sluice.service/memory.max": "1073741824\n"},
			memTotal: physKB, want: 1 << 30, from: "cgroup"},
		{name: "v2 no limit", cgroup: "0::/system.slice/sluice.service\n",
			files:    map[string]string{"system.slice/sluice.service/memory.max": "max\n"},
			memTotal: physKB, want: 16 << 30, from: "physical"},
		{name: "v2 container namespace: the root is the container's cgroup", cgroup: "0::/\n",
			files:    map[string]string{"memory.max": "536870912\n"},
			memTotal: physKB, want: 512 << 20, from: "cgroup"},
		{name: "v2 path not mounted here: the root", cgroup: "0::/kubepods/pod1/abc\n",
			files:    map[string]string{"memory.max": "268435456"},
			memTotal: physKB, want: 256 << 20, from: "cgroup"},
		{name: "v1 limit", cgroup: "5:cpu,cpuacct:/x\n4:memory:/docker/abc\n0::/\n",
			files:    map[string]string{"memory/docker/abc/memory.limit_in_bytes": "2147483648\n"},
			memTotal: physKB, want: 2 << 30, from: "cgroup"},
		{name: "v1 unlimited", cgroup: "4:memory:/process_api/abc\n",
			files:    map[string]string{"memory/process_api/abc/memory.limit_in_bytes": "9223372036854771712\n"},
			memTotal: physKB, want: 16 << 30, from: "physical"},
		{name: "cgroup above physical memory", cgroup: "0::/a\n",
			files:    map[string]string{"a/memory.max": "68719476736\n"},
			memTotal: physKB, want: 16 << 30, from: "physical"},
		{name: "no cgroup file", memTotal: physKB, want: 16 << 30, from: "physical"},
		{name: "garbage", cgroup: "0::/a\n", files: map[string]string{"a/memory.max": "lots\n"},
			memTotal: "many", want: 0, from: ""},
		{name: "nothing readable", want: 0, from: ""},
	} {
		t.Run(c.name, func(t *testing.T) {
			sys := fakeSystem(t, c.cgroup, c.files, c.memTotal)
			got, from := sys.Memory()
			if got != c.want || from != c.from {
				t.Fatalf("Memory() = %d (%s), want %d (%s)", got, from, c.want, c.from)
			}
		})
	}
}

func TestDefault(t *testing.T) {
	for _, c := range []struct {
		name             string
		budgets, machine int64
		want             int64
	}{
		{name: "budgets rule on a big machine", budgets: 100 << 20, machine: 16 << 30, want: Base + 100<<20},
		{name: "a small cgroup caps it", budgets: 100 << 20, machine: 128 << 20, want: 96 << 20},
		{name: "machine unknown", budgets: 100 << 20, want: Base + 100<<20},
		{name: "never below Min", budgets: 0, machine: 16 << 20, want: Min},
	} {
		if got := Default(c.budgets, c.machine); got != c.want {
			t.Errorf("%s: Default(%d, %d) = %d, want %d", c.name, c.budgets, c.machine, got, c.want)
		}
	}
}

// TestResolveApply: the limit in force after Apply is the one asked for,
// read back from the runtime; GOMEMLIMIT wins over the flag.
func TestResolveApply(t *testing.T) {
	prev := debug.SetMemoryLimit(-1)
	t.Cleanup(func() { debug.SetMemoryLimit(prev) })
	sys := fakeSystem(t, "0::/a\n", map[string]string{"a/memory.max": "4294967296\n"}, "16777216")
	noEnv := func(string) string { return "" }
	const budgets = 200 << 20
	for _, c := range []struct {
		name   string
		limit  Limit
		getenv func(string) string
		before int64 // the runtime's limit before (as GOMEMLIMIT would have set it)
		want   int64
		from   string
	}{
		{name: "default", getenv: noEnv, before: math.MaxInt64, want: Default(budgets, 4<<30), from: "default"},
		{name: "flag", limit: Limit{Bytes: 512 << 20}, getenv: noEnv, before: math.MaxInt64, want: 512 << 20, from: "--memory-limit"},
		{name: "off", limit: Limit{Off: true}, getenv: noEnv, before: 300 << 20, want: math.MaxInt64, from: "--memory-limit"},
		{name: "GOMEMLIMIT wins", limit: Limit{Bytes: 512 << 20},
			getenv: func(k string) string {
				if k == Env {
					return "300MiB"
				}
				return ""
			}, before: 300 << 20, want: 300 << 20, from: Env},
	} {
		t.Run(c.name, func(t *testing.T) {
			debug.SetMemoryLimit(c.before)
			d := Resolve(c.limit, budgets, sys, c.getenv)
			if d.From != c.from || d.Machine != 4<<30 || d.MachineFrom != "cgroup" {
				t.Fatalf("Resolve = %+v, want from %s and the cgroup's 4 GiB", d, c.from)
			}
			if got := Apply(d); got != c.want {
				t.Fatalf("Apply returned %d, want %d", got, c.want)
			}
			if got := debug.SetMemoryLimit(-1); got != c.want {
				t.Fatalf("runtime memory limit %d after Apply, want %d", got, c.want)
			}
		})
	}
}
