package httpapi

import (
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"time"

	"github.com/heimdall-mock/heimdall-mock/internal/control"
	"github.com/heimdall-mock/heimdall-mock/internal/heimdall/operation"
	"github.com/heimdall-mock/heimdall-mock/internal/idp"
	"github.com/heimdall-mock/heimdall-mock/internal/idp/signin"
	"github.com/heimdall-mock/heimdall-mock/internal/routekey"
)

// ControlDomain is what the control plane needs of the domain;
// *heimdall.Domain is one.
type ControlDomain interface {
	ControlRoutes() []operation.Route
	Reset()
	ExportTo(w io.Writer) error
	ApplyFixtureDocument(doc []byte) (map[string]any, error)
	PrepareImport(part json.RawMessage) (commit func(), err error)
	BootstrapInfo(baseURL string) map[string]any
	IdentityProviders() *idp.Set
	Now() time.Time
	ValidEmail(string) bool
}

// maxControlBody bounds what a control route reads of a request body.
const maxControlBody = 1 << 20

// MountControl serves the domain's /__mock routes and the fake providers'
// sign-in pages on mux. Control routes refuse in the control plane's
// {"error","detail"} shape, not NestJS's.
func MountControl(mux *http.ServeMux, d ControlDomain) {
	for _, rt := range d.ControlRoutes() {
		names := routekey.Params(rt.Path)
		op, h := rt.Method+" "+rt.Path, rt.Handler
		mux.HandleFunc(op, func(w http.ResponseWriter, r *http.Request) {
			body, err := io.ReadAll(io.LimitReader(r.Body, maxControlBody))
			if err != nil {
				control.Error(w, http.StatusBadRequest, "bad_body", err.Error())
				return
			}
			params := make([]string, len(names))
			for i, n := range names {
				params[i] = r.PathValue(strings.TrimSuffix(n, "..."))
			}
			writeControl(w, h(callOf(r, op, params, body)))
		})
	}
	signin.Pages{Set: d.IdentityProviders, Now: d.Now, ValidEmail: d.ValidEmail}.Routes(mux)
}

// writeControl writes a control route's reply.
func writeControl(w http.ResponseWriter, rep *operation.Reply) {
	for k, v := range rep.Header {
		w.Header().Set(k, v)
	}
	switch {
	case rep.Err != nil: // control refusals always carry a code (controlRefusal)
		control.Error(w, rep.Err.Status, rep.Err.Code, rep.Err.Message)
	case rep.Raw != nil:
		w.Header().Set("Content-Type", rep.ContentType)
		w.WriteHeader(rep.Status)
		_, _ = w.Write(rep.Raw)
	case rep.Body == nil:
		w.WriteHeader(rep.Status)
	default:
		control.WriteJSON(w, rep.Status, rep.Body)
	}
}

// ControlModule is the domain as a module of the control plane: its
// routes, its reset, and its whole state as the snapshot's "domain" part.
func ControlModule(d ControlDomain) control.Domain { return controlModule{d} }

type controlModule struct{ d ControlDomain }

func (m controlModule) Name() string              { return "domain" }
func (m controlModule) Routes(mux *http.ServeMux) { MountControl(mux, m.d) }
func (m controlModule) Reset()                    { m.d.Reset() }
func (m controlModule) Export(w io.Writer) error  { return m.d.ExportTo(w) }
func (m controlModule) ApplyFixtures(doc []byte) (map[string]any, error) {
	return m.d.ApplyFixtureDocument(doc)
}
func (m controlModule) Import(part json.RawMessage) (func(), error) { return m.d.PrepareImport(part) }
func (m controlModule) BootstrapInfo(baseURL string) map[string]any {
	return m.d.BootstrapInfo(baseURL)
}
