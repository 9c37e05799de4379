package prefault

import (
	"os"
	"sync/atomic"
	"syscall"
	"testing"
	"time"
	"unsafe"
)

func TestParseMapping(t *testing.T) {
	for _, tc := range []struct {
		line string
		want mapping
		ok   bool
	}{
		{"00400000-00c52000 r-xp 00000000 fd:01 1234                       /usr/bin/heimdall-mock",
			mapping{0x400000, 0xc52000, "r-xp", "/usr/bin/heimdall-mock"}, true},
		{"c000000000-c000400000 rw-p 00000000 00:00 0 ", mapping{0xc000000000, 0xc000400000, "rw-p", ""}, true},
		{"7f7b56cbd000-7f7b56ce3000 r--p 00000000 fd:01 42   /opt/my tools/mock (deleted)",
			mapping{0x7f7b56cbd000, 0x7f7b56ce3000, "r--p", "/opt/my tools/mock (deleted)"}, true},
		{"", mapping{}, false},
		{"00400000 r-xp 00000000 fd:01 1 /x", mapping{}, false},
		{"00c52000-00400000 r-xp 00000000 fd:01 1 /x", mapping{}, false}, // inverted
		{"0040000g-00c52000 r-xp 00000000 fd:01 1 /x", mapping{}, false},
	} {
		got, ok := parseMapping([]byte(tc.line))
		if ok != tc.ok || (ok && got != tc.want) {
			t.Errorf("parseMapping(%q) = %+v, %v; want %+v, %v", tc.line, got, ok, tc.want, tc.ok)
		}
	}
}

func TestPlanTakesTheHeapChunkAndTheExecutablesReadOnlyMappings(t *testing.T) {
	maps := `00400000-00c52000 r-xp 00000000 fd:01 7 /bin/mock
00c52000-01512000 r--p 00852000 fd:01 7 /bin/mock
01512000-01639000 rw-p 01112000 fd:01 7 /bin/mock
01639000-0367d000 rw-p 00000000 00:00 0
2926d8000000-2926d8400000 rw-p 00000000 00:00 0
2926d8400000-2926dc000000 ---p 00000000 00:00 0
7f7b56ce3000-7f7b56e39000 r-xp 00026000 fd:01 9 /usr/lib/libc.so.6
`
	got := planFor([]byte(maps), "/bin/mock", 0x2926d8123456)
	want := plan{heapLo: 0x2926d8000000, heapHi: 0x2926d8400000, exe: []span{{0x400000, 0xc52000}, {0xc52000, 0x1512000}}}
	if got.heapLo != want.heapLo || got.heapHi != want.heapHi || len(got.exe) != 2 || got.exe[0] != want.exe[0] || got.exe[1] != want.exe[1] {
		t.Fatalf("plan = %+v, want %+v", got, want)
	}
	if p := planFor([]byte(maps), "", 0x10); p.heapHi != 0 || len(p.exe) != 0 {
		t.Fatalf("no heap mapping and no executable name: plan = %+v, want nothing", p)
	}
}

// resident counts the pages of b the kernel has mapped.
func resident(t *testing.T, b []byte) int {
	t.Helper()
	vec := make([]byte, (len(b)+os.Getpagesize()-1)/os.Getpagesize())
	if _, _, errno := syscall.Syscall(syscall.SYS_MINCORE, uintptr(unsafe.Pointer(&b[0])), uintptr(len(b)), uintptr(unsafe.Pointer(&vec[0]))); errno != 0 {
		t.Fatalf("mincore: %v", errno)
	}
	n := 0
	for _, v := range vec {
		n += int(v & 1)
	}
	return n
}

// A heap like the runtime's: a mapped chunk, then reserved address space
// the next chunk is mapped into later.
func TestRunPopulatesTheHeapAndFollowsItsGrowthUntilStopped(t *testing.T) {
	mem, err := syscall.Mmap(-1, 0, 3*heapChunk, syscall.PROT_NONE, syscall.MAP_PRIVATE|syscall.MAP_ANON)
	if err != nil {
		t.Fatal(err)
	}
	defer syscall.Munmap(mem)
	first, second := mem[:heapChunk], mem[heapChunk:2*heapChunk]
	if err := syscall.Mprotect(first, syscall.PROT_READ|syscall.PROT_WRITE); err != nil {
		t.Fatal(err)
	}
	lo := uintptr(unsafe.Pointer(&mem[0]))
	skipWithoutPopulate(t, madviseErr(lo, heapChunk, madvPopulateWrite))
	if err := syscall.Madvise(first, syscall.MADV_DONTNEED); err != nil {
		t.Fatal(err)
	}
	if n := resident(t, first); n != 0 {
		t.Fatalf("%d pages resident before the run", n)
	}

	var stop atomic.Bool
	done := make(chan struct{})
	go func() {
		defer close(done)
		plan{heapLo: lo, heapHi: lo + heapChunk}.run(stop.Load)
	}()
	pages := heapChunk / os.Getpagesize()
	waitFor(t, func() bool { return resident(t, first) == pages }, "the current chunk populated")
	if n := resident(t, second); n != 0 {
		t.Fatalf("%d pages of the reserved chunk resident", n)
	}
	// The runtime maps its next chunk.
	if err := syscall.Mprotect(second, syscall.PROT_READ|syscall.PROT_WRITE); err != nil {
		t.Fatal(err)
	}
	waitFor(t, func() bool { return resident(t, second) == pages }, "the next chunk populated once mapped")
	for i, c := range second {
		if c != 0 {
			t.Fatalf("byte %d of a populated page is %d, want 0", i, c)
		}
	}
	stop.Store(true)
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		t.Fatal("run kept following the heap after stop")
	}
}

// Populating a page already in use leaves its contents alone.
func TestPopulatingKeepsContents(t *testing.T) {
	b, err := syscall.Mmap(-1, 0, 8*os.Getpagesize(), syscall.PROT_READ|syscall.PROT_WRITE, syscall.MAP_PRIVATE|syscall.MAP_ANON)
	if err != nil {
		t.Fatal(err)
	}
	defer syscall.Munmap(b)
	for i := range b[:3*os.Getpagesize()] {
		b[i] = byte(i)
	}
	skipWithoutPopulate(t, madviseErr(uintptr(unsafe.Pointer(&b[0])), uintptr(len(b)), madvPopulateWrite))
	for i, c := range b {
		want := byte(0)
		if i < 3*os.Getpagesize() {
			want = byte(i)
		}
		if c != want {
			t.Fatalf("byte %d = %d after populating, want %d", i, c, want)
		}
	}
}

func TestOffSwitch(t *testing.T) {
	env := func(v string) func(string) (string, bool) {
		return func(k string) (string, bool) {
			if k == "HEIMDALL_MOCK_PREFAULT" && v != "" {
				return v, true
			}
			return "", false
		}
	}
	for v, want := range map[string]bool{"": false, "off": true, "0": true, "false": true, "on": false} {
		if got := disabled(env(v)); got != want {
			t.Errorf("HEIMDALL_MOCK_PREFAULT=%q: disabled = %v, want %v", v, got, want)
		}
	}
}

func waitFor(t *testing.T, cond func() bool, what string) {
	t.Helper()
	for deadline := time.Now().Add(5 * time.Second); time.Now().Before(deadline); time.Sleep(time.Millisecond) {
		if cond() {
			return
		}
	}
	t.Fatalf("timed out waiting for %s", what)
}

func skipWithoutPopulate(t *testing.T, errno syscall.Errno) {
	t.Helper()
	switch errno {
	case 0:
	case syscall.EINVAL:
		t.Skip("this kernel has no MADV_POPULATE_WRITE (Linux 5.14)")
	default:
		t.Fatalf("madvise(MADV_POPULATE_WRITE): %v", errno)
	}
}
