package prefault

import (
	"bytes"
	"syscall"
	"time"
	"unsafe"
)

const (
	madvPopulateRead  = 22 // Linux 5.14
	madvPopulateWrite = 23
	// heapChunk is the unit the Go runtime maps its heap in (its palloc
	// chunk); the next one is mapped right after the current one.
	heapChunk = 4 << 20
	// followFor bounds the following of the heap when nobody calls Done.
	followFor = 2 * time.Second
	// pollEvery is how often the heap's next chunk is looked for.
	pollEvery = 100 * time.Microsecond
)

// probe is a heap object: the mapping holding it is the heap's current
// chunk.
var probe *[16]byte

func init() {
	if disabled(syscall.Getenv) {
		return
	}
	probe = new([16]byte)
	maps, ok := readFile("/proc/self/maps")
	if !ok {
		return
	}
	exe, _ := readLink("/proc/self/exe")
	plan := planFor(maps, exe, uintptr(unsafe.Pointer(probe)))
	go plan.run(stopped.Load)
}

// plan is what to populate: the heap chunk first (allocation is what a
// start faults on most), then the executable's read-only mappings, then
// each heap chunk the runtime maps after it.
type plan struct {
	heapLo, heapHi uintptr
	exe            []span
}

type span struct{ lo, hi uintptr }

func planFor(maps []byte, exe string, heapAddr uintptr) plan {
	var p plan
	for len(maps) > 0 {
		line := maps
		if i := bytes.IndexByte(maps, '\n'); i >= 0 {
			line, maps = maps[:i], maps[i+1:]
		} else {
			maps = nil
		}
		m, ok := parseMapping(line)
		switch {
		case !ok:
		case m.lo <= heapAddr && heapAddr < m.hi:
			p.heapLo, p.heapHi = m.lo, m.hi
		case exe != "" && m.name == exe && m.perms[0] == 'r' && m.perms[1] != 'w':
			// Writable mappings of the executable are left out: populating
			// them for writing would copy every page of them.
			p.exe = append(p.exe, span{m.lo, m.hi})
		}
	}
	return p
}

// run populates what p names, then follows the heap until stop says so
// or followFor has passed.
func (p plan) run(stop func() bool) {
	if p.heapHi != 0 {
		madvise(p.heapLo, p.heapHi-p.heapLo, madvPopulateWrite)
	}
	for _, s := range p.exe {
		madvise(s.lo, s.hi-s.lo, madvPopulateRead)
	}
	if p.heapHi == 0 {
		return
	}
	deadline := time.Now().Add(followFor)
	for next := p.heapHi; !stop() && time.Now().Before(deadline); {
		// Fails until the runtime maps the chunk (it is reserved, not
		// accessible, until then).
		if madvise(next, heapChunk, madvPopulateWrite) {
			next += heapChunk
			continue
		}
		time.Sleep(pollEvery)
	}
}

func madvise(addr, n uintptr, advice int) bool { return madviseErr(addr, n, advice) == 0 }

func madviseErr(addr, n uintptr, advice int) syscall.Errno {
	_, _, errno := syscall.Syscall(syscall.SYS_MADVISE, addr, n, uintptr(advice))
	return errno
}

type mapping struct {
	lo, hi uintptr
	perms  string
	name   string
}

// parseMapping reads one line of /proc/self/maps:
//
//	00400000-00c52000 r-xp 00000000 fd:01 1234   /usr/bin/heimdall-mock
func parseMapping(line []byte) (mapping, bool) {
	var m mapping
	f := bytes.Fields(line)
	if len(f) < 5 {
		return m, false
	}
	lo, hi, ok := bytes.Cut(f[0], []byte{'-'})
	if !ok || len(f[1]) != 4 {
		return m, false
	}
	var okLo, okHi bool
	m.lo, okLo = parseHex(lo)
	m.hi, okHi = parseHex(hi)
	if !okLo || !okHi || m.hi <= m.lo {
		return m, false
	}
	m.perms = string(f[1])
	if len(f) >= 6 {
		// The name is the rest of the line, spaces included.
		i := bytes.Index(line, f[5])
		m.name = string(line[i:])
	}
	return m, true
}

func parseHex(b []byte) (uintptr, bool) {
	if len(b) == 0 || len(b) > 16 {
		return 0, false
	}
	var v uintptr
	for _, c := range b {
		switch {
		case c >= '0' && c <= '9':
			v = v<<4 | uintptr(c-'0')
		case c >= 'a' && c <= 'f':
			v = v<<4 | uintptr(c-'a'+10)
		default:
			return 0, false
		}
	}
	return v, true
}

// readFile and readLink use syscall alone: os would make this package
// initialise after much more of the program.
func readFile(path string) ([]byte, bool) {
	fd, err := syscall.Open(path, syscall.O_RDONLY|syscall.O_CLOEXEC, 0)
	if err != nil {
		return nil, false
	}
	defer syscall.Close(fd)
	buf := make([]byte, 0, 16<<10)
	for {
		if len(buf) == cap(buf) {
			buf = append(buf, 0)[:len(buf)]
		}
		n, err := syscall.Read(fd, buf[len(buf):cap(buf)])
		if err == syscall.EINTR {
			continue
		}
		if err != nil {
			return nil, false
		}
		if n == 0 {
			return buf, true
		}
		buf = buf[:len(buf)+n]
	}
}

func readLink(path string) (string, bool) {
	buf := make([]byte, 4096)
	n, err := syscall.Readlink(path, buf)
	if err != nil || n == len(buf) {
		return "", false
	}
	return string(buf[:n]), true
}
