package journal

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"testing"
)

func TestRingKeepsNewestFirst(t *testing.T) {
	j := New(3)
	for i := 1; i <= 5; i++ {
		j.Add(Entry{Path: fmt.Sprintf("/%d", i), Status: 200})
	}
	got := j.List(0)
	if len(got) != 3 {
		t.Fatalf("len = %d, want 3", len(got))
	}
	for i, want := range []string{"/5", "/4", "/3"} {
		if got[i].Path != want {
			t.Errorf("entry %d path = %q, want %q", i, got[i].Path, want)
		}
	}
	if got[0].ID != "req_5" {
		t.Errorf("newest ID = %q, want req_5", got[0].ID)
	}
	if l := j.List(2); len(l) != 2 || l[1].Path != "/4" {
		t.Errorf("List(2) = %+v", l)
	}
}

func TestFilter(t *testing.T) {
	j := New(0)
	j.Add(Entry{Method: "GET", Status: 200, OperationID: "a", AppSlug: "x"})
	j.Add(Entry{Method: "POST", Status: 400, OperationID: "b", AppSlug: "x"})
	j.Add(Entry{Method: "POST", Status: 200, OperationID: "b", AppSlug: "y"})
	cases := []struct {
		f    Filter
		want int
	}{
		{Filter{}, 3},
		{Filter{Status: 200}, 2},
		{Filter{OperationID: "b"}, 2},
		{Filter{AppSlug: "x"}, 2},
		{Filter{Method: "post", Status: 200}, 1},
		{Filter{Method: "POST", Limit: 1}, 1},
		{Filter{Status: 500}, 0},
	}
	for _, c := range cases {
		if got := j.Filter(c.f); len(got) != c.want {
			t.Errorf("Filter(%+v) = %d entries, want %d", c.f, len(got), c.want)
		}
	}
}

func TestClearKeepsCountingIDs(t *testing.T) {
	j := New(2)
	j.Add(Entry{})
	j.Clear()
	if j.Len() != 0 || len(j.List(0)) != 0 {
		t.Fatal("Clear left entries")
	}
	j.Add(Entry{})
	if id := j.List(0)[0].ID; id != "req_2" {
		t.Errorf("ID after clear = %q, want req_2", id)
	}
}

func TestJSONSlicesAreArrays(t *testing.T) {
	j := New(1)
	j.Add(Entry{Method: "GET"})
	b, err := json.Marshal(j.List(0)[0])
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{`"request_errors":[]`, `"response_errors":[]`, `"operation_id":""`, `"duration_ms":0`} {
		if !strings.Contains(string(b), want) {
			t.Errorf("%s lacks %s", b, want)
		}
	}
}

func TestHeadersRedactSecrets(t *testing.T) {
	h := http.Header{"Authorization": {"Bearer abc"}, "Cookie": {"s=1"}, "Accept": {"a", "b"}}
	got := Headers(h)
	if got["Authorization"] != Redacted || got["Cookie"] != Redacted {
		t.Errorf("secrets not redacted: %v", got)
	}
	if got["Accept"] != "a, b" {
		t.Errorf("Accept = %q", got["Accept"])
	}
}

func TestBody(t *testing.T) {
	if Body(nil) != nil {
		t.Error("empty body should be nil")
	}
	if got := string(Body([]byte(`{"a":1}`))); got != `{"a":1}` {
		t.Errorf("JSON body = %s", got)
	}
	if got := string(Body([]byte("plain text"))); got != `"plain text"` {
		t.Errorf("text body = %s", got)
	}
	big := []byte(`"` + strings.Repeat("é", MaxBodyBytes) + `"`)
	got := Body(big)
	if !json.Valid(got) {
		t.Fatalf("capped body is not JSON")
	}
	if len(got) > MaxBodyBytes+100 || !strings.Contains(string(got), "truncated") {
		t.Errorf("capped body len %d, marked=%v", len(got), strings.Contains(string(got), "truncated"))
	}
	if !json.Valid(Body([]byte{0xff, 0xfe})) {
		t.Error("invalid UTF-8 body does not encode")
	}
}

func TestConcurrentAdd(t *testing.T) {
	j := New(50)
	var wg sync.WaitGroup
	for g := 0; g < 8; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < 100; i++ {
				j.Add(Entry{Status: 200})
				_ = j.Filter(Filter{Status: 200, Limit: 5})
			}
		}()
	}
	wg.Wait()
	if j.Len() != 50 {
		t.Errorf("Len = %d, want 50", j.Len())
	}
	if id := j.List(1)[0].ID; id != "req_800" {
		t.Errorf("newest ID = %q, want req_800", id)
	}
}

func TestBodyRedactsSecretsAndKeepsOnlyTheClaimsOfTokens(t *testing.T) {
	in := []byte(`{"identifier":"alice","password":"hunter2","nested":{"client_secret":"s3cr3t","new_password":"x"},"access_token":"eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJ1In0.c2lnbmF0dXJl","items":[{"secret":"y"}]}`)
	got := string(Body(in))
	for _, leaked := range []string{"hunter2", "s3cr3t", `"x"`, `"y"`, "c2lnbmF0dXJl"} {
		if strings.Contains(got, leaked) {
			t.Errorf("journal body leaks %s: %s", leaked, got)
		}
	}
	if !strings.Contains(got, "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJ1In0.[redacted]") || !strings.Contains(got, `"identifier":"alice"`) {
		t.Errorf("journal body lost what it should keep: %s", got)
	}
	plain := []byte(`{"identifier":"alice"}`)
	if string(Body(plain)) != string(plain) {
		t.Errorf("a body without secrets was rewritten: %s", Body(plain))
	}
}
