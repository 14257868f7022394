package awstest

import (
	"context"
	"fmt"
	"net"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"testing"
	"time"
)

// stop kills the whole process group, so nothing of moto is left running and
// its port is free.
func TestStopKillsProcessGroup(t *testing.T) {
	bin := motoOrSkip(t)
	m, err := start(t.Context(), bin)
	if err != nil {
		t.Fatal(err)
	}
	pid, addr := m.cmd.Process.Pid, strings.TrimPrefix(m.direct, "http://")
	if err := m.stop(); err != nil {
		t.Fatal(err)
	}
	if left := groupMembers(t, pid); len(left) > 0 {
		t.Errorf("processes of moto's group %d still alive after stop: %v", pid, left)
	}
	if c, err := net.DialTimeout("tcp", addr, time.Second); err == nil {
		c.Close()
		t.Errorf("moto's port %s still accepts connections after stop", addr)
	}
}

// A test binary that dies without Main (a panic, a timeout, a kill) takes its
// moto_server with it: the kernel's parent-death signal, not a cleanup that
// never ran.
func TestNoOrphanAfterCrash(t *testing.T) {
	motoOrSkip(t)
	ctx, cancel := context.WithTimeout(t.Context(), startTimeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), orphanChildEnv+"=1")
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("child: %v: %s", err, out)
	}
	pid, err := strconv.Atoi(strings.TrimSpace(string(out)))
	if err != nil {
		t.Fatalf("child printed %q, want a pid", out)
	}
	deadline := time.Now().Add(10 * time.Second)
	for alive(pid) {
		if time.Now().After(deadline) {
			t.Fatalf("moto_server %d still alive 10 s after its test binary exited", pid)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func motoOrSkip(t *testing.T) string {
	t.Helper()
	bin, err := exec.LookPath("moto_server")
	if err != nil {
		missing(t, err)
	}
	return bin
}

// alive reports whether pid is a live process (a zombie waiting for its
// reaper is dead).
func alive(pid int) bool {
	state, _, ok := procStat(pid)
	return ok && state != "Z"
}

// groupMembers lists the live processes whose process group is pgid.
func groupMembers(t *testing.T, pgid int) []int {
	t.Helper()
	entries, err := os.ReadDir("/proc")
	if err != nil {
		t.Fatal(err)
	}
	var pids []int
	for _, e := range entries {
		pid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		if state, pgrp, ok := procStat(pid); ok && state != "Z" && pgrp == pgid {
			pids = append(pids, pid)
		}
	}
	return pids
}

// procStat reads a process's state and process group from /proc/<pid>/stat.
func procStat(pid int) (state string, pgrp int, ok bool) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return "", 0, false
	}
	// The command name is in parentheses and may hold spaces: fields start
	// after the last ')'. Then: state ppid pgrp ...
	i := strings.LastIndexByte(string(b), ')')
	f := strings.Fields(string(b)[i+1:])
	if len(f) < 3 {
		return "", 0, false
	}
	pgrp, err = strconv.Atoi(f[2])
	return f[0], pgrp, err == nil
}
