package procbench

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"time"
)

// Process is a started server process: its address once it listens, and
// what its GC trace (GODEBUG=gctrace=1 on stderr) says.
type Process struct {
	cmd     *exec.Cmd
	Addr    string
	Started time.Time
	Ready   time.Duration // from start to the first 200 of /readyz

	mu     sync.Mutex
	gcs    []GC
	stderr bytes.Buffer // the rest of stderr, for errors
	done   chan struct{}
}

// GC is one line of the Go runtime's GC trace.
type GC struct {
	Forced bool
	// Pause is the two stop-the-world phases (sweep termination and mark
	// termination), wall clock.
	Pause  time.Duration
	LiveMB float64 // the heap marked live
}

// gcLine matches "gc 12 @3.1s 2%: 0.01+12+0.02 ms clock, ... 10->12->8 MB, ..."
var gcLine = regexp.MustCompile(`^gc \d+ @[\d.]+s \d+%: ([\d.]+)\+[\d.]+\+([\d.]+) ms clock, .* (\d+)->(\d+)->(\d+) MB`)

// parseGC reads one line of the GC trace; ok false for other lines.
func parseGC(line string) (GC, bool) {
	m := gcLine.FindStringSubmatch(line)
	if m == nil {
		return GC{}, false
	}
	a, _ := strconv.ParseFloat(m[1], 64)
	c, _ := strconv.ParseFloat(m[2], 64)
	live, _ := strconv.ParseFloat(m[5], 64)
	return GC{Forced: strings.HasSuffix(strings.TrimSpace(line), "(forced)"), Pause: time.Duration((a + c) * float64(time.Millisecond)), LiveMB: live}, true
}

// Start runs bin with args and env added to this process's environment
// and GODEBUG=gctrace=1, reads the address it prints on stdout ("...
// http://ADDR"), and waits until GET readyPath answers 200 (at most
// timeout).
func Start(ctx context.Context, bin string, args, env []string, readyPath string, timeout time.Duration) (*Process, error) {
	cmd := exec.CommandContext(ctx, bin, args...)
	cmd.Env = append(append(os.Environ(), env...), "GODEBUG=gctrace=1")
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	stderr, err := cmd.StderrPipe()
	if err != nil {
		return nil, err
	}
	p := &Process{cmd: cmd, done: make(chan struct{})}
	p.Started = time.Now()
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("start %s: %w", bin, err)
	}
	go func() {
		defer close(p.done)
		sc := bufio.NewScanner(stderr)
		for sc.Scan() {
			line := sc.Text()
			p.mu.Lock()
			if gc, ok := parseGC(line); ok {
				p.gcs = append(p.gcs, gc)
			} else if p.stderr.Len() < 1<<20 {
				p.stderr.WriteString(line + "\n")
			}
			p.mu.Unlock()
		}
	}()
	addrc := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			if i := strings.Index(sc.Text(), "http://"); i >= 0 {
				addrc <- strings.Fields(sc.Text()[i+len("http://"):])[0]
				break
			}
		}
		_, _ = io.Copy(io.Discard, stdout)
	}()
	deadline := time.After(timeout)
	select {
	case p.Addr = <-addrc:
	case <-deadline:
		p.Stop()
		return nil, fmt.Errorf("%s did not listen within %v: %s", bin, timeout, p.Stderr())
	}
	for {
		resp, err := http.Get("http://" + p.Addr + readyPath)
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				p.Ready = time.Since(p.Started)
				return p, nil
			}
		}
		select {
		case <-deadline:
			p.Stop()
			return nil, fmt.Errorf("%s not ready within %v: %s", bin, timeout, p.Stderr())
		case <-time.After(10 * time.Millisecond):
		}
	}
}

// Stderr is what the process wrote on stderr, GC trace aside.
func (p *Process) Stderr() string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.stderr.String()
}

// GCs returns the GC trace lines read so far.
func (p *Process) GCs() []GC {
	p.mu.Lock()
	defer p.mu.Unlock()
	return append([]GC(nil), p.gcs...)
}

// WaitForcedGC waits (at most timeout) until the process has run a forced
// GC (serve runs one after loading, see debug.FreeOSMemory) and returns it.
func (p *Process) WaitForcedGC(timeout time.Duration) (GC, error) {
	end := time.Now().Add(timeout)
	for time.Now().Before(end) {
		for _, gc := range p.GCs() {
			if gc.Forced {
				return gc, nil
			}
		}
		time.Sleep(20 * time.Millisecond)
	}
	return GC{}, errors.New("no forced GC in the trace")
}

// RSS is the process's resident set (VmRSS of /proc/PID/status) in bytes.
func (p *Process) RSS() (int64, error) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", p.cmd.Process.Pid))
	if err != nil {
		return 0, err
	}
	return vmRSS(b)
}

func vmRSS(status []byte) (int64, error) {
	for _, line := range strings.Split(string(status), "\n") {
		if rest, ok := strings.CutPrefix(line, "VmRSS:"); ok {
			f := strings.Fields(rest)
			if len(f) != 2 || f[1] != "kB" {
				break
			}
			kb, err := strconv.ParseInt(f[0], 10, 64)
			return kb << 10, err
		}
	}
	return 0, errors.New("no VmRSS line in /proc/PID/status")
}

// CPU is the processor time the process has used so far (user and
// system, from /proc/PID/stat): on a machine shared with other work it
// says what the wall clock cannot.
func (p *Process) CPU() (time.Duration, error) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", p.cmd.Process.Pid))
	if err != nil {
		return 0, err
	}
	return statCPU(b)
}

// clockTicks is USER_HZ, the unit of /proc/PID/stat's times (100 on Linux).
const clockTicks = 100

func statCPU(stat []byte) (time.Duration, error) {
	// The command name (field 2) is in parentheses and may hold spaces.
	i := bytes.LastIndexByte(stat, ')')
	if i < 0 {
		return 0, errors.New("malformed /proc/PID/stat")
	}
	f := strings.Fields(string(stat[i+1:]))
	// After the name: state is field 3, utime 14, stime 15.
	if len(f) < 13 {
		return 0, errors.New("malformed /proc/PID/stat")
	}
	u, err1 := strconv.ParseInt(f[11], 10, 64)
	s, err2 := strconv.ParseInt(f[12], 10, 64)
	if err1 != nil || err2 != nil {
		return 0, errors.New("malformed /proc/PID/stat")
	}
	return time.Duration(u+s) * time.Second / clockTicks, nil
}

// Stop ends the process (SIGKILL through its context would lose the
// trace; an interrupt lets it shut down) and waits for it.
func (p *Process) Stop() {
	_ = p.cmd.Process.Signal(os.Interrupt)
	t := time.AfterFunc(10*time.Second, func() { _ = p.cmd.Process.Kill() })
	<-p.done
	_ = p.cmd.Wait()
	t.Stop()
}

// Run runs bin to completion and returns how long it took, the processor
// time it used (user and system) and its output.
func Run(ctx context.Context, bin string, args, env []string) (took, cpu time.Duration, out string, err error) {
	cmd := exec.CommandContext(ctx, bin, args...)
	cmd.Env = append(os.Environ(), env...)
	start := time.Now()
	b, err := cmd.CombinedOutput()
	if err != nil {
		return 0, 0, string(b), fmt.Errorf("%s %s: %w: %s", bin, strings.Join(args, " "), err, b)
	}
	return time.Since(start), cmd.ProcessState.UserTime() + cmd.ProcessState.SystemTime(), string(b), nil
}
