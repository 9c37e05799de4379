package faults

import (
	"strings"
	"sync"
	"testing"
)

func TestValidate(t *testing.T) {
	cases := []struct {
		name string
		f    Fault
		want string // substring of the error; "" means valid
	}{
		{"by operation", Fault{OperationID: "signin", Status: 503}, ""},
		{"by method and path", Fault{Method: "get", Path: "/v1/apps", DelayMS: 10}, ""},
		{"drop", Fault{OperationID: "x", DropConnection: true}, ""},
		{"no target", Fault{Status: 500}, "needs operation_id"},
		{"path without method", Fault{Path: "/x", Status: 500}, "needs operation_id"},
		{"both targets", Fault{OperationID: "a", Method: "GET", Path: "/x", Status: 500}, "not both"},
		{"bad method", Fault{Method: "FETCH", Path: "/x", Status: 500}, "not an HTTP method"},
		{"relative path", Fault{Method: "GET", Path: "x", Status: 500}, "must start with /"},
		{"status low", Fault{OperationID: "a", Status: 99}, "outside 100-599"},
		{"status high", Fault{OperationID: "a", Status: 600}, "outside 100-599"},
		{"negative delay", Fault{OperationID: "a", DelayMS: -1}, "delay_ms"},
		{"huge delay", Fault{OperationID: "a", DelayMS: MaxDelayMS + 1}, "delay_ms"},
		{"negative times", Fault{OperationID: "a", Status: 500, Times: -1}, "times"},
		{"bad body", Fault{OperationID: "a", Status: 500, Body: []byte("{")}, "not valid JSON"},
		{"body without status", Fault{OperationID: "a", DelayMS: 1, Body: []byte("{}")}, "body needs a status"},
		{"drop with status", Fault{OperationID: "a", Status: 500, DropConnection: true}, "drop_connection"},
		{"does nothing", Fault{OperationID: "a"}, "does nothing"},
	}
	for _, c := range cases {
		err := c.f.Validate()
		switch {
		case c.want == "" && err != nil:
			t.Errorf("%s: unexpected error %v", c.name, err)
		case c.want != "" && (err == nil || !strings.Contains(err.Error(), c.want)):
			t.Errorf("%s: error %v, want it to mention %q", c.name, err, c.want)
		}
	}
}

func TestTakeMatchesAndConsumes(t *testing.T) {
	r := NewRegistry()
	f, err := r.Add(Fault{Method: "post", Path: "/{app_slug}/v1/auth/signin", Status: 503, Times: 2})
	if err != nil {
		t.Fatal(err)
	}
	if f.ID == "" || f.Method != "POST" {
		t.Fatalf("added fault = %+v", f)
	}
	if _, ok := r.Take("signin", "GET", "/{app_slug}/v1/auth/signin", "/acme/v1/auth/signin"); ok {
		t.Error("matched the wrong method")
	}
	for i := 1; i <= 2; i++ {
		got, ok := r.Take("signin", "POST", "/{app_slug}/v1/auth/signin", "/acme/v1/auth/signin")
		if !ok || got.Status != 503 || got.Hits != i {
			t.Fatalf("take %d = %+v, %v", i, got, ok)
		}
	}
	if _, ok := r.Take("signin", "POST", "/{app_slug}/v1/auth/signin", "/acme/v1/auth/signin"); ok {
		t.Error("fault outlived its times")
	}
	if len(r.List()) != 0 {
		t.Error("spent fault still listed")
	}
}

func TestTakeByConcretePathAndOperationID(t *testing.T) {
	r := NewRegistry()
	if _, err := r.Add(Fault{Method: "GET", Path: "/acme/v1/me", Status: 500}); err != nil {
		t.Fatal(err)
	}
	if _, err := r.Add(Fault{OperationID: "listApps", DelayMS: 5}); err != nil {
		t.Fatal(err)
	}
	if _, ok := r.Take("me", "GET", "/{slug}/v1/me", "/other/v1/me"); ok {
		t.Error("concrete path matched another slug")
	}
	if _, ok := r.Take("me", "GET", "/{slug}/v1/me", "/acme/v1/me/"); !ok {
		t.Error("concrete path with trailing slash did not match")
	}
	if _, err := r.Add(Fault{Method: "PATCH", Path: "/{slug}/v1/me/", Status: 500}); err != nil {
		t.Fatal(err)
	}
	if _, ok := r.Take("updateMe", "PATCH", "/{slug}/v1/me", "/acme/v1/me"); !ok {
		t.Error("template with trailing slash did not match")
	}
	for i := 0; i < 3; i++ { // unlimited
		if got, ok := r.Take("listApps", "GET", "/v1/apps", "/v1/apps"); !ok || got.DelayMS != 5 {
			t.Fatalf("operation fault = %+v, %v", got, ok)
		}
	}
	if l := r.List(); l[1].Hits != 3 {
		t.Errorf("hits = %d, want 3", l[1].Hits)
	}
	if _, ok := r.Take("", "GET", "/v1/apps", "/v1/apps"); ok {
		t.Error("operation fault matched a request without an operation id")
	}
}

func TestDeleteClearAndDuplicateIDs(t *testing.T) {
	r := NewRegistry()
	a, _ := r.Add(Fault{OperationID: "a", Status: 500})
	if _, err := r.Add(Fault{ID: a.ID, OperationID: "b", Status: 500}); err == nil {
		t.Error("duplicate id accepted")
	}
	if _, err := r.Add(Fault{}); err == nil {
		t.Error("invalid fault accepted")
	}
	if !r.Delete(a.ID) || r.Delete(a.ID) {
		t.Error("Delete did not report existence correctly")
	}
	_, _ = r.Add(Fault{OperationID: "c", Status: 500})
	r.Clear()
	if len(r.List()) != 0 {
		t.Error("Clear left faults")
	}
	var nilReg *Registry
	if _, ok := nilReg.Take("a", "GET", "/", "/"); ok {
		t.Error("nil registry matched")
	}
}

func TestConcurrentTakeHonoursTimes(t *testing.T) {
	r := NewRegistry()
	_, _ = r.Add(Fault{OperationID: "x", Status: 500, Times: 50})
	var wg sync.WaitGroup
	var mu sync.Mutex
	taken := 0
	for g := 0; g < 10; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < 20; i++ {
				if _, ok := r.Take("x", "GET", "/", "/"); ok {
					mu.Lock()
					taken++
					mu.Unlock()
				}
			}
		}()
	}
	wg.Wait()
	if taken != 50 {
		t.Errorf("taken %d times, want exactly 50", taken)
	}
}
