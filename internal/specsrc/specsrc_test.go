package specsrc

import (
	"context"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestLoadFile(t *testing.T) {
	p := filepath.Join(t.TempDir(), "a.yaml")
	if err := os.WriteFile(p, []byte("openapi: 3.0.0\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	data, err := Load(context.Background(), p)
	if err != nil || string(data) != "openapi: 3.0.0\n" {
		t.Errorf("got %q, %v", data, err)
	}
	if _, err := Load(context.Background(), p+".missing"); err == nil {
		t.Error("missing file: want an error")
	}
}

func TestLoadURL(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/ok":
			w.Write([]byte("{}"))
		default:
			http.Error(w, "nope", http.StatusInternalServerError)
		}
	}))
	defer srv.Close()
	if data, err := Load(context.Background(), srv.URL+"/ok"); err != nil || string(data) != "{}" {
		t.Errorf("got %q, %v", data, err)
	}
	_, err := Load(context.Background(), srv.URL+"/broken")
	if err == nil || !strings.Contains(err.Error(), "500") {
		t.Errorf("server error: %v", err)
	}
}

func TestLoadRejectsMalformedSources(t *testing.T) {
	for _, src := range []string{"", "git:", "git:HEAD", "git::api.yaml", "git:--output=x:api.yaml"} {
		if _, err := Load(context.Background(), src); err == nil {
			t.Errorf("%q: want an error", src)
		}
	}
}
